// SQLite 3 (libsqlite3-0; headers from libsqlite3-dev), opened at run time, not linked.
// Imported by exactly one Swift file: MoodLibrary/SQLite.swift.
//
// Why not linked: only `moodd scan` and `moodd playlist` use the library's database, and every
// `moodd run` would map and relocate libsqlite3 for nothing (0.4 MB resident: docs/benchmarks.md,
// "Where the memory went"). So SQLite.swift opens it (dlopen) when it opens its first database. The
// table takes each function's type from <sqlite3.h>, so a call through it is checked like a direct one.
#pragma once
#include <dlfcn.h>
#include <sqlite3.h>
#include <stddef.h>

/// The soname of the ABI these headers describe (libsqlite3-0 in Debian).
#define MOODD_SQLITE_LIBRARY "libsqlite3.so.0"

#define MOODD_SQLITE_FUNCTIONS(X) \
    X(sqlite3_open_v2) X(sqlite3_close) X(sqlite3_errmsg) X(sqlite3_errstr) X(sqlite3_busy_timeout) \
    X(sqlite3_exec) X(sqlite3_free) X(sqlite3_prepare_v2) X(sqlite3_finalize) X(sqlite3_bind_null) \
    X(sqlite3_bind_int64) X(sqlite3_bind_double) X(sqlite3_bind_text) X(sqlite3_step) \
    X(sqlite3_column_count) X(sqlite3_column_type) X(sqlite3_column_int64) X(sqlite3_column_double) \
    X(sqlite3_column_text)

/// SQLite's functions that moodd calls, each with its own type.
struct moodd_sqlite {
#define MOODD_SQLITE_FIELD(name) __typeof__(&name) name;
    MOODD_SQLITE_FUNCTIONS(MOODD_SQLITE_FIELD)
#undef MOODD_SQLITE_FIELD
};

/// Opens libsqlite3 and fills `api`; NULL on success, else dlerror()'s words (the library is
/// missing, or lacks a function). Never unloaded. Call once (dlerror's text is per thread).
static inline const char *moodd_sqlite_open(struct moodd_sqlite *api) {
    void *library = dlopen(MOODD_SQLITE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return dlerror();
#define MOODD_SQLITE_LOOKUP(name) \
    if ((api->name = (__typeof__(&name))dlsym(library, #name)) == NULL) return dlerror();
    MOODD_SQLITE_FUNCTIONS(MOODD_SQLITE_LOOKUP)
#undef MOODD_SQLITE_LOOKUP
    return NULL;
}
