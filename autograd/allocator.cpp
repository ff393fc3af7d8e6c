#include "autograd/allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

namespace attend {
namespace {

constexpr size_t kAlignment = 64;
// A cache larger than this is trimmed on release, so a one-off huge step cannot pin memory forever.
constexpr int64_t kMaxCachedBytes = int64_t{2} << 30;

// Buckets: multiples of 64 bytes up to 4 KiB, then four sizes per power of two (at most 25% slack).
size_t bucket_bytes(size_t bytes) {
  if (bytes == 0) bytes = kAlignment;
  if (bytes <= 4096) return (bytes + kAlignment - 1) / kAlignment * kAlignment;
  size_t p = size_t{1} << (63 - __builtin_clzll(bytes));  // largest power of two <= bytes
  size_t step = p / 4;
  return (bytes + step - 1) / step * step;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  MemoryStats stats;
  bool caching = true;

  void release_all_locked() {
    for (auto& [bytes, list] : free_lists)
      for (void* p : list) std::free(p);
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
    c.stats.live_bytes += static_cast<int64_t>(bytes_);
    if (c.stats.live_bytes > c.stats.peak_bytes) c.stats.peak_bytes = c.stats.live_bytes;
    auto it = c.free_lists.find(bytes_);
    if (it != c.free_lists.end() && !it->second.empty()) {
      data_ = static_cast<float*>(it->second.back());
      it->second.pop_back();
      c.stats.cached_bytes -= static_cast<int64_t>(bytes_);
      c.stats.cache_hits++;
      return;
    }
  }
  data_ = static_cast<float*>(std::aligned_alloc(kAlignment, bytes_));
  if (!data_) throw std::bad_alloc();
}

Storage::~Storage() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.stats.live_bytes -= static_cast<int64_t>(bytes_);
  if (c.caching && c.stats.cached_bytes + static_cast<int64_t>(bytes_) <= kMaxCachedBytes) {
    c.free_lists[bytes_].push_back(data_);
    c.stats.cached_bytes += static_cast<int64_t>(bytes_);
  } else {
    std::free(data_);
  }
}

}  // namespace attend
