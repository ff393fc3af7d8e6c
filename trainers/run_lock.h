// One owner per run directory. A training run holds an exclusive flock(2) on RUN_DIR/.attend.lock
// for its whole life, with "pid P on HOST" written inside, so a second run on the same directory
// (train, --resume, --overwrite) is refused with the holder's name instead of deleting or mixing
// files under the first. The kernel drops the lock with the process, so a run that was killed
// never blocks the next one. (flock is per host on most network filesystems: two hosts sharing a
// run directory over NFS are not kept apart.)
#pragma once
#include <stdexcept>
#include <string>

namespace attend {

class RunLockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RunLock {
 public:
  static constexpr const char* kFileName = ".attend.lock";

  // Takes DIR's lock (DIR must exist; the lock file is created). Throws RunLockError naming the
  // holder when another process has it, or naming DIR when the lock file cannot be opened.
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // Who holds DIR's lock ("pid 1234 on host"), or "" when nobody does.
  static std::string holder(const std::string& dir);

 private:
  int fd_ = -1;
};

}  // namespace attend
