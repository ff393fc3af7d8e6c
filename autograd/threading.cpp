#include "autograd/threading.h"

#include <cblas.h>

#include <stdexcept>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define ATTEND_HAS_MXCSR 1
#endif

// OpenBLAS's own pool shutdown (exported by its pthreads build, used by its fork handler); the
// pool is re-created, from the thread that makes the next threaded call, on first use. Weak, so
// an OpenBLAS without it (OpenMP or serial builds) still links.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace attend {

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("threads must be at least 1, got " + std::to_string(n));
  openblas_set_num_threads(n);
}

int num_threads() {
  return openblas_get_num_threads();
}

std::string blas_core_name() {
  const char* name = openblas_get_corename();
  return name ? name : "unknown";
}

#ifdef ATTEND_HAS_MXCSR
namespace {
constexpr unsigned kFlushBits = 0x8000u | 0x0040u;  // MXCSR's FTZ | DAZ
}

bool set_flush_denormal(bool on) {
  const unsigned csr = _mm_getcsr();
  const unsigned want = on ? (csr | kFlushBits) : (csr & ~kFlushBits);
  if (want == csr) return true;
  _mm_setcsr(want);
  // New threads start with their creator's MXCSR (Linux copies the FPU state on clone), so a
  // restarted pool computes in the same mode as this thread.
  if (blas_thread_shutdown_) blas_thread_shutdown_();
  return true;
}

bool flush_denormal() {
  return (_mm_getcsr() & kFlushBits) == kFlushBits;
}
#else
bool set_flush_denormal(bool) {
  return false;
}

bool flush_denormal() {
  return false;
}
#endif

}  // namespace attend
