// System module for libmosquitto (libmosquitto-dev, pkg-config "libmosquitto").
// Imported by exactly one Swift file: MoodService/Mosquitto.swift.
#pragma once
#include <mosquitto.h>
