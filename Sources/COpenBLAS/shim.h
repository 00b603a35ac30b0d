// System module for OpenBLAS (libopenblas-dev, pkg-config "openblas"). The pkg-config
// include path points at openblas-pthread/, whose cblas.h also declares openblas_set_num_threads.
// Imported by exactly one Swift file: MoodModel/BLAS.swift.
#pragma once
#include <cblas.h>
