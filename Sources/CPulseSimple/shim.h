// System module for the PulseAudio simple API (libpulse-dev, pkg-config "libpulse-simple").
// Imported by exactly one Swift file: MoodAudio/Pulse.swift.
#pragma once
#include <pulse/simple.h>
#include <pulse/error.h>
