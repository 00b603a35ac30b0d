// System module for libsndfile (libsndfile1-dev, pkg-config "sndfile").
// Imported by exactly one Swift file: MoodAudio/Sndfile.swift.
#pragma once
#include <sndfile.h>
