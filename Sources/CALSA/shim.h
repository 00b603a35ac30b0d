// System module for ALSA (libasound2-dev, pkg-config "alsa").
// Imported by exactly one Swift file: MoodAudio/ALSA.swift.
#pragma once
#include <alsa/asoundlib.h>
#include <stdarg.h>
#include <stdio.h>

// alsa-lib prints its own diagnostics straight to stderr ("ALSA lib confmisc.c:165:
// (snd_config_get_card) Cannot get card index for 9"), on every failed snd_pcm_open: with no sound
// card that is a line in the journal every 2 s of reopening, forever, past the daemon's rule of one
// line per episode. snd_lib_error_set_handler replaces the printer, but the handler it takes is
// variadic (printf-style), which Swift can neither define nor call with a va_list, hence this shim.
// The handler prints nothing: it keeps the first message since moodd_alsa_clear_message() on the
// calling thread (the cause; later ones echo it), which ALSA.swift adds to the call's ALSAError.
// alsa-lib calls the handler synchronously, on the thread that made the failing call.

/// Bytes kept of alsa-lib's message, NUL included.
#define MOODD_ALSA_MESSAGE_BYTES 256

/// This thread's kept message. A variable local to a function, not one at file scope: Swift's
/// importer emits the bodies of the header's functions it uses, not file-scope static variables.
static inline char *moodd_alsa_message(void) {
    static __thread char message[MOODD_ALSA_MESSAGE_BYTES];
    return message;
}

static void moodd_alsa_error_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function;
    char *message = moodd_alsa_message();
    if (message[0] != '\0' || fmt == NULL) return;
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(message, MOODD_ALSA_MESSAGE_BYTES, fmt, args);
    va_end(args);
    if (err != 0 && n >= 0 && n < MOODD_ALSA_MESSAGE_BYTES) {
        snprintf(message + n, MOODD_ALSA_MESSAGE_BYTES - (size_t)n, ": %s", snd_strerror(err));
    }
}

/// Installs the silent handler for the whole process (snd_lib_error_set_handler); 0 on success.
static inline int moodd_alsa_silence_errors(void) {
    return snd_lib_error_set_handler(moodd_alsa_error_handler);
}

/// Forgets the message kept on this thread.
static inline void moodd_alsa_clear_message(void) {
    moodd_alsa_message()[0] = '\0';
}

/// The first message alsa-lib reported on this thread since the last clear; "" if none.
static inline const char *moodd_alsa_message_text(void) {
    return moodd_alsa_message();
}
