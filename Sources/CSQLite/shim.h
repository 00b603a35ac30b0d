// System module for SQLite 3 (libsqlite3-dev, pkg-config "sqlite3").
// Imported by exactly one Swift file: MoodLibrary/SQLite.swift.
#pragma once
#include <sqlite3.h>
