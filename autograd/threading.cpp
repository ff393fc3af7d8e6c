#include "autograd/threading.h"

#include <cblas.h>

#include <stdexcept>

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

}  // namespace attend
