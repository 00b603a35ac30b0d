// System module for single-precision FFTW (libfftw3-dev, pkg-config "fftw3f").
// Imported by exactly one Swift file: MoodDSP/FFTW.swift.
#pragma once
#include <fftw3.h>
