#include "trainers/stop_signal.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace attend {
namespace {

// Lock-free, so storing to it from a signal handler is async-signal-safe.
std::atomic<int> g_stop{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int signal) {
  g_stop.store(signal, std::memory_order_relaxed);
}

void set_handler(int signal, void (*handler)(int), int flags) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = flags;
  sigaction(signal, &action, nullptr);
}

}  // namespace

int stop_requested() {
  return g_stop.load(std::memory_order_relaxed);
}

void request_stop(int code) {
  g_stop.store(code, std::memory_order_relaxed);
}

void clear_stop_request() {
  g_stop.store(0, std::memory_order_relaxed);
}

void install_stop_signal_handlers() {
  // SA_RESTART: a read or write interrupted by the signal carries on; the trainer notices the
  // request at the next batch.
  for (int s : {SIGINT, SIGTERM}) set_handler(s, on_stop_signal, SA_RESETHAND | SA_RESTART);
}

void remove_stop_signal_handlers() {
  for (int s : {SIGINT, SIGTERM}) set_handler(s, SIG_DFL, 0);
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default: {
      static thread_local char buf[32];
      std::snprintf(buf, sizeof buf, "signal %d", signal);
      return buf;
    }
  }
}

}  // namespace attend
