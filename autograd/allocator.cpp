#include "autograd/allocator.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <new>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace attend {
namespace {

constexpr size_t kAlignment = 64;
// The cache may always hold this much; beyond it, as much as the most ever live at once (see
// Storage::~Storage).
constexpr int64_t kDefaultCacheFloor = int64_t{2} << 30;
// A cached block serves a request at most this many times smaller than itself.
constexpr size_t kMaxSlack = 2;

// Everything that is not a tensor (index vectors, a transposed weight, a worker's partial results)
// comes from malloc. glibc maps each block of 128 KiB or more afresh until it has seen such a block
// freed, and hands free memory at the top of a heap back to the system; each worker thread has a
// heap of its own, which shrinks whenever the calling thread frees what the worker made. A
// training step then faults the same pages in again every time (GAT on Cora: a 1-thread step took
// 10.6 ms instead of 8.3, and linear's scan of the features at 2 threads 2.9 ms instead of 0.9,
// with 7 times the page faults). These are the thresholds glibc's own adjustment ends at (32 MiB
// to map, twice that to trim), from the start and for every heap; MALLOC_MMAP_THRESHOLD_ and
// MALLOC_TRIM_THRESHOLD_ in the environment still win.
[[maybe_unused]] const bool malloc_thresholds_set = [] {
#if defined(__GLIBC__)
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 32 << 20);
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
  return true;
}();

// Buckets: multiples of 64 bytes up to 4 KiB, then four sizes per power of two (at most 25% slack).
size_t bucket_bytes(size_t bytes) {
  if (bytes == 0) bytes = kAlignment;
  if (bytes <= 4096) return (bytes + kAlignment - 1) / kAlignment * kAlignment;
  size_t p = size_t{1} << (63 - __builtin_clzll(bytes));  // largest power of two <= bytes
  size_t step = p / 4;
  return (bytes + step - 1) / step * step;
}

struct Cache {
  struct Block {
    void* p;
    uint64_t released;  // when it entered the cache, for evicting the longest unused first
  };
  std::mutex mu;
  // Freed blocks by size, ordered so a request finds the smallest block that fits; each list in
  // the order its blocks came back (the newest, still warm in cache, is handed out first). No list
  // is empty.
  std::map<size_t, std::deque<Block>> free_lists;
  uint64_t clock = 0;
  MemoryStats stats;
  int64_t most_live = 0;  // the high-water mark of live bytes since the last empty_cache()
  int64_t floor = kDefaultCacheFloor;
  bool caching = true;

  // The smallest cached block of at least `bytes` and at most kMaxSlack times that, taken out of
  // the cache with its size; nullptr if there is none.
  void* take_locked(size_t* bytes) {
    auto it = free_lists.lower_bound(*bytes);
    if (it == free_lists.end() || it->first > *bytes * kMaxSlack) return nullptr;
    void* p = it->second.back().p;
    *bytes = it->first;
    it->second.pop_back();
    if (it->second.empty()) free_lists.erase(it);
    stats.cached_bytes -= static_cast<int64_t>(*bytes);
    return p;
  }

  // Keeps a released block, first returning the longest-unused blocks to the system until it fits
  // under the cap; a block larger than the cap itself goes straight back.
  void put_locked(void* p, size_t bytes, int64_t cap) {
    const auto size = static_cast<int64_t>(bytes);
    if (!caching || size > cap) {
      std::free(p);
      return;
    }
    while (stats.cached_bytes + size > cap) {
      auto oldest = free_lists.begin();  // the list whose first block came back longest ago
      for (auto it = free_lists.begin(); it != free_lists.end(); ++it)
        if (it->second.front().released < oldest->second.front().released) oldest = it;
      std::free(oldest->second.front().p);
      oldest->second.pop_front();
      stats.cached_bytes -= static_cast<int64_t>(oldest->first);
      if (oldest->second.empty()) free_lists.erase(oldest);
    }
    free_lists[bytes].push_back({p, clock++});
    stats.cached_bytes += size;
  }

  void release_all_locked() {
    for (auto& [bytes, list] : free_lists)
      for (const Block& b : list) std::free(b.p);
    free_lists.clear();
    stats.cached_bytes = 0;
  }
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: Storage may outlive static destructors
  return *c;
}

thread_local AllocationLimit* current_limit = nullptr;

}  // namespace

AllocationLimit::AllocationLimit(int64_t max_bytes) : max_(max_bytes), outer_(current_limit) {
  current_limit = this;
}

AllocationLimit::~AllocationLimit() {
  current_limit = outer_;
}

MemoryStats memory_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

void reset_peak_memory() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.stats.peak_bytes = c.stats.live_bytes;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.release_all_locked();
  c.most_live = c.stats.live_bytes;
}

void set_allocator_cache_floor(int64_t bytes) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.floor = std::max<int64_t>(bytes, 0);
}

void set_allocator_caching(bool enabled) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.caching = enabled;
  if (!enabled) c.release_all_locked();
}

Storage::Storage(int64_t n)
    : size_(n), bytes_(bucket_bytes(static_cast<size_t>(n) * sizeof(float))) {
  if (AllocationLimit* limit = current_limit) {
    if (static_cast<int64_t>(bytes_) > limit->max_ - limit->used_)
      throw AllocationLimitError("allocating " + std::to_string(n) +
                                 " floats would pass the limit of " + std::to_string(limit->max_) +
                                 " bytes (" + std::to_string(limit->used_) + " already taken)");
    limit->used_ += static_cast<int64_t>(bytes_);
  }
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    c.stats.allocations++;
    // A cached block may be larger than asked for: bytes_ becomes its size, so that it goes back
    // to its own list and the live bytes count what is really held.
    if (void* p = c.take_locked(&bytes_)) {
      data_ = static_cast<float*>(p);
      c.stats.cache_hits++;
    }
    c.stats.live_bytes += static_cast<int64_t>(bytes_);
    c.stats.peak_bytes = std::max(c.stats.peak_bytes, c.stats.live_bytes);
    c.most_live = std::max(c.most_live, c.stats.live_bytes);
    if (data_) return;
  }
  data_ = static_cast<float*>(std::aligned_alloc(kAlignment, bytes_));
  if (!data_) throw std::bad_alloc();
}

Storage::~Storage() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.stats.live_bytes -= static_cast<int64_t>(bytes_);
  // The cache keeps up to as much as was ever live at once (at least the floor), so a step whose
  // shapes change with every batch (long, varied sequences: gigabytes of attention weights) finds
  // its working set cached instead of returning it to the system and faulting every page in again.
  c.put_locked(data_, bytes_, std::max(c.floor, c.most_live));
}

}  // namespace attend
