#include "trainers/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

namespace attend {
namespace {

std::string lock_path(const std::string& dir) {
  return (std::filesystem::path(dir) / RunLock::kFileName).string();
}

// What the holder wrote: "pid P on HOST".
std::string read_holder(int fd) {
  char buf[256] = {};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s.empty() ? "another process" : s;
}

}  // namespace

RunLock::RunLock(const std::string& dir) {
  const std::string path = lock_path(dir);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw RunLockError("cannot open " + path + ": " + std::strerror(errno));
  // A few tries: holder() takes a shared lock for an instant while it looks.
  for (int attempt = 0;; ++attempt) {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK || attempt == 20) {
      const std::string who = errno == EWOULDBLOCK ? read_holder(fd_) : std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
      throw RunLockError(dir + " is in use by another attend train (" + who +
                         "): wait for it to end or stop it");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string me = "pid " + std::to_string(getpid()) + " on " + host + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The lock holds without the note; a second run then names "another process".
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the lock
}

std::string RunLock::holder(const std::string& dir) {
  const int fd = ::open(lock_path(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string who;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0)
    ::flock(fd, LOCK_UN);
  else if (errno == EWOULDBLOCK)
    who = read_holder(fd);
  ::close(fd);
  return who;
}

}  // namespace attend
