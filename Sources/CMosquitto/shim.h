// libmosquitto (libmosquitto1; headers from libmosquitto-dev), opened at run time, not linked.
// Imported by exactly one Swift file: MoodService/Mosquitto.swift.
//
// Why not linked: libmosquitto needs libssl and libcrypto, and mapping and relocating the three
// costs about 1.9 MB of resident memory in every moodd process (measured: docs/benchmarks.md, "Where
// the memory went"), while MQTT is off unless [mqtt] host is set. So `moodd run` opens the library
// (dlopen) when it makes its first MQTT client, and a daemon without MQTT never maps it. The table
// takes each function's type from <mosquitto.h>, so a call through it is checked like a direct one.
#pragma once
#include <dlfcn.h>
#include <mosquitto.h>
#include <stddef.h>

/// The soname of the ABI these headers describe (libmosquitto1 in Debian).
#define MOODD_MOSQUITTO_LIBRARY "libmosquitto.so.1"

#define MOODD_MOSQUITTO_FUNCTIONS(X) \
    X(mosquitto_lib_init) X(mosquitto_new) X(mosquitto_destroy) X(mosquitto_strerror) \
    X(mosquitto_connack_string) X(mosquitto_connect_callback_set) X(mosquitto_disconnect_callback_set) \
    X(mosquitto_publish_callback_set) X(mosquitto_log_callback_set) X(mosquitto_username_pw_set) \
    X(mosquitto_tls_set) X(mosquitto_will_set) X(mosquitto_reconnect_delay_set) X(mosquitto_connect_async) \
    X(mosquitto_loop_start) X(mosquitto_loop_stop) X(mosquitto_loop_forever) X(mosquitto_publish) \
    X(mosquitto_disconnect)

/// libmosquitto's functions that moodd calls, each with its own type.
struct moodd_mosquitto {
#define MOODD_MOSQUITTO_FIELD(name) __typeof__(&name) name;
    MOODD_MOSQUITTO_FUNCTIONS(MOODD_MOSQUITTO_FIELD)
#undef MOODD_MOSQUITTO_FIELD
};

/// Opens libmosquitto and fills `api`; NULL on success, else dlerror()'s words (the library is
/// missing, or lacks a function). Never unloaded. Call once (dlerror's text is per thread).
static inline const char *moodd_mosquitto_open(struct moodd_mosquitto *api) {
    void *library = dlopen(MOODD_MOSQUITTO_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return dlerror();
#define MOODD_MOSQUITTO_LOOKUP(name) \
    if ((api->name = (__typeof__(&name))dlsym(library, #name)) == NULL) return dlerror();
    MOODD_MOSQUITTO_FUNCTIONS(MOODD_MOSQUITTO_LOOKUP)
#undef MOODD_MOSQUITTO_LOOKUP
    return NULL;
}
