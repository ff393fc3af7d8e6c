// Where the MPI build and the build without MPI differ: mpi_communicator.cpp (CMake found MPI) or
// no_mpi.cpp defines these. Only communicator.cpp includes this.
#pragma once
#include <memory>
#include <string>

#include "trainers/distributed/communicator.h"

namespace attend {

// MPI_Init and the world communicator; throws std::runtime_error in a build without MPI.
std::unique_ptr<Communicator> connect_mpi_world(const CommunicatorOptions& options);
// "MPI: Open MPI v4.1.4 (MPI 3.1) ..." or "MPI: off (...)".
std::string mpi_library_description();

}  // namespace attend
