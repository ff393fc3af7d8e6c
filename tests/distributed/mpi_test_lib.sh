# Shared by the tests under mpirun (source it after cli_test_lib.sh), given the attend executable in
# $attend and the launcher CMake found in $mpiexec. Skips the test (exit 77, CTest's skip code) when
# attend was built without MPI; fails when the launcher belongs to another MPI than attend's.
# Sets `mpirun` to an array: the launcher with the options this machine needs, and `sanitized`.
if [[ -z "$mpiexec" ]] || "$attend" version | grep -q "^MPI: off"; then
  echo "skipped: this attend was built without MPI ($("$attend" version | grep '^MPI'))"
  exit 77
fi
library=$("$attend" version | sed -n 's/^MPI: \([^ ]*\).*/\1/p')  # Open or MPICH
launcher=$("$mpiexec" --version 2>&1 | head -5)
mpirun=("$mpiexec")
if [[ $library == Open ]]; then
  [[ $launcher == *"Open MPI"* || $launcher == *OpenRTE* ]] || { echo "FAIL: $mpiexec is not Open MPI's launcher, but attend uses Open MPI (configure with -DMPIEXEC_EXECUTABLE=/usr/bin/mpirun.openmpi)"; exit 1; }
  # Two ranks on however few cores, as root in CI's containers.
  mpirun+=(--oversubscribe --allow-run-as-root)
else
  [[ $launcher == *HYDRA* || $launcher == *MPICH* ]] || { echo "FAIL: $mpiexec is not MPICH's launcher, but attend uses MPICH (configure with -DMPIEXEC_EXECUTABLE=/usr/bin/mpiexec.mpich)"; exit 1; }
fi
# A sanitizer build: the MPI libraries' own allocations kept past MPI_Finalize are not attend's
# leaks. Open MPI's components stay loaded (no dlclose) so their frames have names to suppress,
# and the slow unwinder sees through the MPI libraries, built without frame pointers.
sanitized=false  # a sanitizer build (attend version says so); the tests may read it too
"$attend" version | grep -q '^sanitizers:' && sanitized=true
if $sanitized; then
  export OMPI_MCA_mca_base_component_disable_dlclose=1
  export LSAN_OPTIONS="suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lsan_mpi.supp:fast_unwind_on_malloc=0:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi
echo "launcher: $mpiexec ($(head -1 <<<"$launcher")); attend: $("$attend" version | grep '^MPI')"

# The pid of rank R of the run whose --out is DIR (from the launcher's environment variables).
rank_pid() {
  local want=$1 dir=$2 p
  for p in $(pgrep -f -- "--out $dir( |$)"); do
    if tr '\0' '\n' </proc/"$p"/environ 2>/dev/null |
      grep -qxE "(OMPI_COMM_WORLD_RANK|PMI_RANK)=$want"; then
      echo "$p"
      return
    fi
  done
}
