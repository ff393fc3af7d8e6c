// The Mersenne Twister behind Generator: bit for bit std::mt19937_64's stream and text form, so
// seeded runs and the generator states saved in checkpoints carry over; fill() gives the same
// draws as one call each.
#include <boost/test/unit_test.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "autograd/random.h"

BOOST_AUTO_TEST_SUITE(test_random)

using attend::Mt19937_64;

BOOST_AUTO_TEST_CASE(draws_are_std_mt19937_64s_for_any_seed) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{5489}, uint64_t{1234}, ~uint64_t{0}}) {
    std::mt19937_64 reference(seed);
    Mt19937_64 engine(seed);
    // Across several twists of the 312-word state.
    for (int i = 0; i < 2000; ++i) BOOST_REQUIRE_EQUAL(engine(), reference());
  }
}

BOOST_AUTO_TEST_CASE(fill_gives_the_same_draws_as_one_call_each) {
  std::mt19937_64 reference(77);
  Mt19937_64 engine(77);
  // Counts that start and end inside a block, span several, and are empty, mixed with single
  // draws so fill starts at every kind of position.
  for (int64_t count : {5, 0, 307, 1, 312, 1000, 3, 624, 311}) {
    std::vector<uint64_t> got(static_cast<size_t>(count) + 1, 42);
    engine.fill(got.data(), count);
    for (int64_t k = 0; k < count; ++k) BOOST_REQUIRE_EQUAL(got[k], reference());
    BOOST_CHECK_EQUAL(got[count], 42u);  // nothing written past the end
    BOOST_REQUIRE_EQUAL(engine(), reference());
  }
}

BOOST_AUTO_TEST_CASE(text_form_is_std_mt19937_64s_both_ways) {
  std::mt19937_64 reference(9);
  Mt19937_64 engine(9);
  for (int i = 0; i < 400; ++i) reference(), engine();  // mid-block, after one twist
  std::ostringstream ours, theirs;
  engine.write(ours);
  theirs << reference;
  BOOST_CHECK_EQUAL(ours.str(), theirs.str());

  // A state std::mt19937_64 wrote (as checkpoints of earlier versions hold) reads back into the
  // same stream.
  for (int i = 0; i < 100; ++i) reference();
  std::ostringstream saved;
  saved << reference;
  Mt19937_64 restored(1);
  std::istringstream in(saved.str());
  BOOST_REQUIRE(restored.read(in));
  for (int i = 0; i < 700; ++i) BOOST_REQUIRE_EQUAL(restored(), reference());
}

BOOST_AUTO_TEST_CASE(malformed_text_is_refused_and_changes_nothing) {
  Mt19937_64 engine(3), untouched(3);
  for (const char* bad : {"1 2 3", "x", ""}) {
    std::istringstream in(bad);
    BOOST_CHECK(!engine.read(in));
  }
  std::ostringstream words;
  for (int i = 0; i < Mt19937_64::kWords; ++i) words << i << ' ';
  for (const char* position : {"313", "-1"}) {
    std::istringstream in(words.str() + position);
    BOOST_CHECK(!engine.read(in));  // the position must index the state
  }
  for (int i = 0; i < 500; ++i) BOOST_REQUIRE_EQUAL(engine(), untouched());
}

BOOST_AUTO_TEST_CASE(generator_state_resumes_exactly) {
  attend::Generator gen(11);
  for (int i = 0; i < 501; ++i) gen.next_u64();
  gen.normal();  // leaves a spare normal in the state
  const std::string saved = gen.state();
  std::vector<float> expected;
  for (int i = 0; i < 50; ++i) expected.push_back(gen.normal());
  std::vector<uint64_t> expected_draws(700);
  gen.fill_u64(expected_draws.data(), 700);

  attend::Generator resumed(0);
  resumed.set_state(saved);
  BOOST_CHECK_EQUAL(resumed.seed(), 11u);
  for (float e : expected) BOOST_REQUIRE_EQUAL(resumed.normal(), e);
  for (uint64_t e : expected_draws) BOOST_REQUIRE_EQUAL(resumed.next_u64(), e);
  BOOST_CHECK_THROW(resumed.set_state("11 0 0x0p+0 1 2 3"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
