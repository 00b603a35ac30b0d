// System module for libsoxr (libsoxr-dev, pkg-config "soxr").
// Imported by exactly one Swift file: MoodAudio/Soxr.swift.
#pragma once
#include <soxr.h>
