#include "autograd/threading.h"

#include <cblas.h>

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#ifdef ATTEND_OPENMP
#include <omp.h>
#include <pthread.h>
#endif

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define ATTEND_HAS_MXCSR 1
#endif

// OpenBLAS's own pool shutdown (exported by its pthreads build, used by its fork handler); the
// pool is re-created, from the thread that makes the next threaded call, on first use. Weak, so
// an OpenBLAS without it still links.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace attend {

namespace {
void sync_worker_fp_mode();

#ifdef ATTEND_OPENMP
// libgomp's workers do not survive fork(): a child that opened a parallel region would wait
// forever for them. So a forked child computes on its own thread (as PyTorch's do).
void one_thread_after_fork() {
  omp_set_num_threads(1);
  openblas_set_num_threads(1);
}
#endif
}  // namespace

void make_fork_safe() {
#ifdef ATTEND_OPENMP
  static const bool registered = pthread_atfork(nullptr, nullptr, one_thread_after_fork) == 0;
  (void)registered;
#endif
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("threads must be at least 1, got " + std::to_string(n));
  make_fork_safe();
  openblas_set_num_threads(n);
#ifdef ATTEND_OPENMP
  omp_set_num_threads(n);
#endif
  sync_worker_fp_mode();
}

int num_threads() {
#ifdef ATTEND_OPENMP
  return omp_get_max_threads();
#else
  return openblas_get_num_threads();
#endif
}

void choose_openmp_wait_policy(char** argv) {
#ifdef ATTEND_OPENMP
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  if (setenv("GOMP_SPINCOUNT", "1000", 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("GOMP_SPINCOUNT");  // the restart failed: this process still has libgomp's default
#else
  (void)argv;
#endif
}

std::string threading_name() {
#ifdef ATTEND_OPENMP
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  return std::string("OpenMP (attend and OpenBLAS), idle workers ") +
         (policy ? std::string("OMP_WAIT_POLICY=") + policy
          : spin ? std::string("GOMP_SPINCOUNT=") + spin
                 : std::string("as the OpenMP runtime's default"));
#else
  return openblas_get_parallel() == 0 ? "one thread (serial OpenBLAS)"
                                      : "OpenBLAS's pthreads pool (attend's loops on one thread)";
#endif
}

std::string blas_core_name() {
  const char* name = openblas_get_corename();
  return name ? name : "unknown";
}

#ifdef ATTEND_HAS_MXCSR
namespace {
constexpr unsigned kFlushBits = 0x8000u | 0x0040u;  // MXCSR's FTZ | DAZ

// Gives every worker of the calling thread's team the caller's FTZ/DAZ bits. OpenMP workers
// keep the mode they had (a new one starts with its creator's: Linux copies the FPU state on
// clone), so a switch, or a larger team reusing older workers, must reach them explicitly.
void sync_worker_fp_mode() {
#ifdef ATTEND_OPENMP
  const unsigned bits = _mm_getcsr() & kFlushBits;
#pragma omp parallel num_threads(omp_get_max_threads())
  _mm_setcsr((_mm_getcsr() & ~kFlushBits) | bits);
#endif
}
}  // namespace

bool set_flush_denormal(bool on) {
  const unsigned csr = _mm_getcsr();
  const unsigned want = on ? (csr | kFlushBits) : (csr & ~kFlushBits);
  if (want == csr) return true;
  _mm_setcsr(want);
  sync_worker_fp_mode();
  // OpenBLAS's pthreads pool: restarting it re-creates its workers from this thread, in its mode.
  if (openblas_get_parallel() == 1 && blas_thread_shutdown_) blas_thread_shutdown_();
  return true;
}

bool flush_denormal() {
  return (_mm_getcsr() & kFlushBits) == kFlushBits;
}
#else
namespace {
void sync_worker_fp_mode() {}
}  // namespace

bool set_flush_denormal(bool) {
  return false;
}

bool flush_denormal() {
  return false;
}
#endif

}  // namespace attend
