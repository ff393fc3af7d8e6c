// Asking a training run to stop cleanly at the next batch boundary. The command line turns SIGINT
// and SIGTERM into such a request; the trainer then saves RUN_DIR/last.safetensors at the exact
// position it reached (so --resume continues as if nothing happened) and returns.
#pragma once

namespace attend {

// 0 while no stop was requested; otherwise the signal number (or any non-zero code) that asked.
int stop_requested();
// Async-signal-safe: sets the request (a signal handler calls it).
void request_stop(int code);
void clear_stop_request();

// Installs handlers for SIGINT and SIGTERM that call request_stop(signal). Each handler is
// one-shot (SA_RESETHAND): a second Ctrl-C while the checkpoint is being written kills the
// process at once, as a user who presses it twice expects.
void install_stop_signal_handlers();
// Puts the default actions back.
void remove_stop_signal_handlers();

// "SIGINT", "SIGTERM", or "signal N".
const char* signal_name(int signal);

}  // namespace attend
