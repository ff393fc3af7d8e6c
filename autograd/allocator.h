// Storage: a 64-byte aligned float buffer, and the size-bucketed caching allocator behind it.
//
// Training repeats the same shapes every step, so freed buffers are kept in per-size free lists and
// handed out again instead of going back to malloc (which for large blocks means mmap + page faults
// every step); on real text the shapes change with every batch's lengths, so a request takes the
// smallest cached block that fits if it is at most twice the size asked for. memory_stats() reports
// live bytes, so tests can measure that backward frees memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace attend {

struct MemoryStats {
  int64_t live_bytes = 0;    // held by Storage objects that exist now
  int64_t peak_bytes = 0;    // maximum of live_bytes since the last reset_peak_memory()
  int64_t cached_bytes = 0;  // freed buffers kept for reuse
  int64_t allocations = 0;   // Storage objects created
  int64_t cache_hits = 0;    // of which were served from the cache
};

MemoryStats memory_stats();
void reset_peak_memory();
// Returns every cached buffer to the system, and starts the cache's measure of the most bytes
// live at once over from what is live now.
void empty_cache();
// The cache keeps freed blocks up to the most bytes live at once since the last empty_cache(),
// and at least this many (default 2 GiB), returning the longest-unused blocks to the system first
// when a released block would pass that; a block is handed out again for any request of at least
// half its size.
void set_allocator_cache_floor(int64_t bytes);
// Turns caching on or off (off: every buffer goes straight back to the system; useful under ASan).
void set_allocator_caching(bool enabled);

// Caps the bytes that Storage created on this thread may take in all while the limit exists (the
// innermost of nested limits counts), for building something whose size comes from untrusted input
// — a model rebuilt from a checkpoint's config — so a forged size fails cleanly instead of
// exhausting memory: Storage that would pass the cap throws AllocationLimitError.
class AllocationLimitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AllocationLimit {
 public:
  explicit AllocationLimit(int64_t max_bytes);
  ~AllocationLimit();
  AllocationLimit(const AllocationLimit&) = delete;
  AllocationLimit& operator=(const AllocationLimit&) = delete;
  int64_t used_bytes() const { return used_; }

 private:
  friend class Storage;
  int64_t max_, used_ = 0;
  AllocationLimit* outer_;
};

class Storage {
 public:
  // Uninitialised storage for n floats, 64-byte aligned.
  explicit Storage(int64_t n);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  int64_t size() const { return size_; }

 private:
  float* data_ = nullptr;
  int64_t size_ = 0;
  size_t bytes_ = 0;  // the bucket size actually allocated
};

}  // namespace attend
