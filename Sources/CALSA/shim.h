// System module for ALSA (libasound2-dev, pkg-config "alsa").
// Imported by exactly one Swift file: MoodAudio/ALSA.swift.
#pragma once
#include <alsa/asoundlib.h>
