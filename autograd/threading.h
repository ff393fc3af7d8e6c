// One knob for all threads attend uses. With OpenMP (CMakeLists.txt, ATTEND_OPENMP) attend's own
// loops (autograd/parallel.h) and OpenBLAS's products share one pool of that many workers;
// without it the knob sets OpenBLAS's pool and attend's loops run on the calling thread.
#pragma once

#include <string>

namespace attend {

void set_num_threads(int n);
int num_threads();
// Makes a process that forks after using the workers safe: the child then runs on one thread
// (OpenMP's workers are not copied by fork). Called by set_num_threads, parallel_for and every
// matrix product, so nothing else need call it.
void make_fork_safe();
// Chooses how idle OpenMP workers wait, for a program's main() to call first: when the user has
// not (OMP_WAIT_POLICY or GOMP_SPINCOUNT in the environment), sets GOMP_SPINCOUNT=1000 and runs
// the program again from its start, because libgomp reads it once, when it loads. A waiting
// worker then spins for about 10 microseconds (libgomp's default: 300,000 spins, about 2 ms)
// before it sleeps. Measured on 2 cores (docs/architecture.md, Threads): on a quiet machine as
// fast as the default, also for single ops of 50 microseconds (which OMP_WAIT_POLICY=passive
// slows by half); with another process busy on one core, B1 at 2 threads takes 100 ms a step
// instead of the default's 228 (passive: 91; 1 thread: 85), because a worker spinning for a
// partner that the scheduler has taken away gives its core up sooner.
// Returns only if nothing was to be done or the restart failed (then the default stays).
void choose_openmp_wait_policy(char** argv);
// Who runs the threads, for `attend version` and benchmark tables.
std::string threading_name();
// The OpenBLAS kernel family in use (e.g. "Haswell"), for benchmark tables.
std::string blas_core_name();

// Subnormal floats (|x| < 1.18e-38) read and written as zero (x86's DAZ and FTZ modes), on the
// calling thread and on OpenBLAS's worker threads -- torch.set_flush_denormal's switch, which is
// off by default in the library, as in PyTorch; the attend command line turns it on
// (--keep-denormals keeps IEEE gradual underflow).
//
// Why: Intel cores take a slow path, about 100x, for every operation on a subnormal. Training
// makes them: a peaked softmax's tiny probabilities times a small upstream gradient. In B2 the
// query/key gradients of the encoder's self-attention are 3-10% subnormal at initialisation,
// which made the GEMMs that read them 4x slower and the whole step 25% slower. A subnormal is
// 2^-126 of a unit value, far below a float's rounding of anything it is added to.
//
// Worker threads keep the mode of the thread that created them, so when on changes this also
// sets it on every OpenMP worker, or restarts OpenBLAS's pthreads pool from the calling thread
// (as OpenBLAS itself does around fork).
// Call it, like set_num_threads, when no BLAS call is running. Returns false (and changes
// nothing) where the CPU has no such mode.
bool set_flush_denormal(bool on);
bool flush_denormal();  // the calling thread's mode

}  // namespace attend
