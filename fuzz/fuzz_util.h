// Shared by the fuzz targets: a scratch directory of the process's own for the files a loader
// reads, cutting one fuzz input into several files, and a check that stops the run on a broken
// invariant (libFuzzer then saves the input as a crash).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/allocator.h"

namespace attend::fuzz {

// A fresh directory for this process, in /dev/shm when there is one (the loaders read real files;
// RAM-backed ones cost no disk writes), removed at a normal exit. A crashing run leaves it behind
// (libFuzzer exits without running destructors); its name says where it came from.
inline const std::string& scratch_dir() {
  struct Dir {
    std::string path;
    Dir() {
      const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                             ? std::filesystem::path("/dev/shm")
                                             : std::filesystem::temp_directory_path();
      path = (base / "attend-fuzz-XXXXXX").string();
      if (!mkdtemp(path.data())) {
        std::perror("attend fuzz: mkdtemp");
        std::abort();
      }
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

// Writes bytes to name in the scratch directory (replacing it); returns the path.
inline std::string write_file(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "attend fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

// The input cut at its first (parts - 1) zero bytes, into exactly `parts` pieces (missing ones are
// empty; the last one keeps any further zero bytes). Text formats never contain a zero byte, so
// the seeds are the real files joined with "\0".
inline std::vector<std::string_view> split_input(const uint8_t* data, size_t size, size_t parts) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    const size_t zero = rest.find('\0');
    if (zero == std::string_view::npos) break;
    out.push_back(rest.substr(0, zero));
    rest.remove_prefix(zero + 1);
  }
  out.push_back(rest);
  out.resize(parts);
  return out;
}

// An invariant a successful load must satisfy; a violation is a finding like a crash.
#define ATTEND_FUZZ_CHECK(cond)                                                                    \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "attend fuzz: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)

}  // namespace attend::fuzz

// Run once before fuzzing: buffers go straight back to the system instead of the allocator's
// cache, so AddressSanitizer sees every use after free. (Each target includes this header once.)
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  attend::set_allocator_caching(false);
  return 0;
}
