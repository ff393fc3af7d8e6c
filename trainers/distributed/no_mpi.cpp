// The build without MPI (CMake found none, or ATTEND_WITH_MPI=OFF): one process only, and a clear
// error for a process that mpirun started anyway.
#include <stdexcept>

#include "trainers/distributed/mpi_world.h"

namespace attend {

std::unique_ptr<Communicator> connect_mpi_world(const CommunicatorOptions&) {
  throw std::runtime_error(
      "started by an MPI launcher (mpirun), but this attend was built without MPI: install "
      "libopenmpi-dev (or MPICH) and rebuild, or run attend train without mpirun");
}

std::string mpi_library_description() {
  return "MPI: off (built without MPI; with libopenmpi-dev installed, a rebuild makes mpirun -np N "
         "attend train train data-parallel)";
}

}  // namespace attend
