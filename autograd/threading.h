// One knob for all threads attend uses: OpenBLAS's pool (attend's own loops are single-threaded
// for now), so the total never exceeds what the user asked for.
#pragma once

#include <string>

namespace attend {

void set_num_threads(int n);
int num_threads();
// The OpenBLAS kernel family in use (e.g. "Haswell"), for benchmark tables.
std::string blas_core_name();

}  // namespace attend
