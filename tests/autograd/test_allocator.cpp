// The caching allocator behind Storage: which freed block a request gets, and which blocks the
// cache gives back to the system when it is full.
#include <boost/test/unit_test.hpp>

#include <memory>

#include "autograd/allocator.h"

using namespace attend;

namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kFloatsPerMiB = kMiB / sizeof(float);

std::unique_ptr<Storage> mib(double mebibytes) {
  return std::make_unique<Storage>(static_cast<int64_t>(mebibytes * kFloatsPerMiB));
}

// An empty cache whose cap is at most `floor` plus what is live now (nothing, in these tests).
struct FreshCache {
  explicit FreshCache(int64_t floor) {
    empty_cache();
    set_allocator_cache_floor(floor);
    BOOST_REQUIRE_LT(memory_stats().live_bytes, kMiB / 4);
  }
  ~FreshCache() {
    set_allocator_cache_floor(int64_t{2} << 30);
    empty_cache();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_allocator)

BOOST_AUTO_TEST_CASE(a_freed_block_serves_requests_down_to_half_its_size) {
  FreshCache cache(64 * kMiB);
  const float* block = mib(4)->data();  // allocated and freed: now cached
  const int64_t hits = memory_stats().cache_hits;
  auto smaller = mib(2.5);
  BOOST_CHECK_EQUAL(smaller->data(), block);
  BOOST_CHECK_EQUAL(memory_stats().cache_hits, hits + 1);
  // Live bytes count the whole block taken, not the request.
  BOOST_CHECK_GE(memory_stats().live_bytes, 4 * kMiB);
  smaller.reset();
  auto too_small = mib(1.5);  // the 4 MiB block would be more than twice the request
  BOOST_CHECK_NE(too_small->data(), block);
  BOOST_CHECK_EQUAL(memory_stats().cache_hits, hits + 1);
}

BOOST_AUTO_TEST_CASE(the_cache_holds_a_working_set_larger_than_its_floor) {
  // A step that needs 8 MiB at once, under a floor of 2 MiB: the next step's requests all come
  // from the cache (a cap of the floor alone would have returned 6 MiB to the system).
  FreshCache cache(2 * kMiB);
  auto step = [] {
    std::unique_ptr<Storage> live[4];
    for (auto& s : live) s = mib(2);
  };
  step();
  BOOST_CHECK_GE(memory_stats().cached_bytes, 8 * kMiB);
  const int64_t hits = memory_stats().cache_hits;
  step();
  BOOST_CHECK_EQUAL(memory_stats().cache_hits, hits + 4);
}

BOOST_AUTO_TEST_CASE(a_full_cache_returns_its_longest_unused_blocks_first) {
  FreshCache cache(0);  // cap: the most live at once, 3 MiB below
  const float* c;
  {
    auto sa = mib(1), sb = mib(1), sc = mib(1);
    c = sc->data();
    sa.reset();  // released in the order a, b, c
    sb.reset();
  }
  BOOST_CHECK_EQUAL(memory_stats().cached_bytes, 3 * kMiB);
  const float* d = mib(1.25)->data();  // no cached block fits; released, it evicts a and b
  BOOST_CHECK_EQUAL(memory_stats().cached_bytes, kMiB + kMiB * 5 / 4);
  const int64_t hits = memory_stats().cache_hits;
  auto first = mib(1), second = mib(1);
  BOOST_CHECK_EQUAL(first->data(), c);   // the exact size first
  BOOST_CHECK_EQUAL(second->data(), d);  // then the next size that fits
  BOOST_CHECK_EQUAL(memory_stats().cache_hits, hits + 2);
  auto third = mib(1);  // a and b went back to the system: a miss
  BOOST_CHECK_EQUAL(memory_stats().cache_hits, hits + 2);
}

BOOST_AUTO_TEST_SUITE_END()
