// The op profiler: exact call counts per op for forward and backward, nothing recorded while
// disabled, self time for nested scopes, and a table whose percentages add up.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "autograd/node.h"
#include "autograd/profiler.h"
#include "test_util.h"

using namespace attend;
using namespace std::chrono_literals;

namespace {

// Each case starts from an empty, enabled profiler and leaves it disabled for the other suites.
struct Profiling {
  Profiling() {
    Profiler::reset();
    Profiler::enable();
  }
  ~Profiling() {
    Profiler::disable();
    Profiler::reset();
  }
};

const ProfileRow* find_row(const ProfileReport& r, const std::string& op) {
  for (const ProfileRow& row : r.rows)
    if (row.op == op) return &row;
  return nullptr;
}

// loss = sum(((a @ b) @ c) @ d): 3 matmuls and a sum, each with a backward.
Tensor three_matmuls(Generator& gen) {
  Tensor a = randn({4, 5}, gen), b = randn({5, 6}, gen), c = randn({6, 3}, gen),
         d = randn({3, 2}, gen);
  for (Tensor* t : {&a, &b, &c, &d}) t->requires_grad_();
  return sum(matmul(matmul(matmul(a, b), c), d));
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_profiler)

BOOST_FIXTURE_TEST_CASE(counts_are_exact_for_a_known_graph, Profiling) {
  Generator gen(1);
  Tensor loss = three_matmuls(gen);
  ProfileReport fwd = Profiler::report();
  const ProfileRow* mm = find_row(fwd, "matmul");
  BOOST_REQUIRE(mm);
  BOOST_CHECK_EQUAL(mm->fwd_calls, 3);
  BOOST_CHECK_EQUAL(mm->bwd_calls, 0);
  BOOST_REQUIRE(find_row(fwd, "sum"));
  BOOST_CHECK_EQUAL(find_row(fwd, "sum")->fwd_calls, 1);

  loss.backward();
  ProfileReport r = Profiler::report();
  mm = find_row(r, "matmul");
  BOOST_REQUIRE(mm);
  BOOST_CHECK_EQUAL(mm->fwd_calls, 3);
  BOOST_CHECK_EQUAL(mm->bwd_calls, 3);
  BOOST_CHECK_EQUAL(find_row(r, "sum")->bwd_calls, 1);
  // The engine visits the 4 nodes once each.
  const ProfileRow* engine = find_row(r, "(backward engine)");
  BOOST_REQUIRE(engine);
  BOOST_CHECK_EQUAL(engine->bwd_calls, 4);
  BOOST_CHECK_EQUAL(engine->fwd_calls, 0);
  // randn and requires_grad_ are not ops: only these three rows.
  BOOST_CHECK_EQUAL(r.rows.size(), 3u);
  for (const ProfileRow& row : r.rows) {
    BOOST_CHECK_GE(row.fwd_ms, 0.0);
    BOOST_CHECK_GE(row.bwd_ms, 0.0);
  }
  BOOST_CHECK_LE(r.op_ms, r.wall_ms);

  // A second step adds up; reset() starts again from nothing.
  three_matmuls(gen).backward();
  BOOST_CHECK_EQUAL(find_row(Profiler::report(), "matmul")->bwd_calls, 6);
  Profiler::reset();
  BOOST_CHECK(Profiler::report().rows.empty());
}

BOOST_AUTO_TEST_CASE(disabled_profiler_records_nothing) {
  Profiler::disable();
  Profiler::reset();
  BOOST_CHECK(!Profiler::enabled());
  Generator gen(2);
  three_matmuls(gen).backward();
  { ProfileScope scope("by_hand"); }
  ProfileReport r = Profiler::report();
  BOOST_CHECK(r.rows.empty());
  BOOST_CHECK_EQUAL(r.wall_ms, 0.0);

  // disable() keeps what was recorded and stops adding to it.
  Profiler::enable();
  three_matmuls(gen);
  Profiler::disable();
  three_matmuls(gen);
  BOOST_CHECK_EQUAL(find_row(Profiler::report(), "matmul")->fwd_calls, 3);
  Profiler::reset();
}

BOOST_FIXTURE_TEST_CASE(nested_scopes_count_self_time, Profiling) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    ProfileScope outer("outer");
    std::this_thread::sleep_for(15ms);
    {
      ProfileScope inner("inner");
      std::this_thread::sleep_for(15ms);
    }
  }
  const double block_ms = ms_since(t0);
  ProfileReport r = Profiler::report();
  const ProfileRow* outer = find_row(r, "outer");
  const ProfileRow* inner = find_row(r, "inner");
  BOOST_REQUIRE(outer && inner);
  BOOST_CHECK_EQUAL(outer->fwd_calls, 1);
  BOOST_CHECK_EQUAL(inner->fwd_calls, 1);
  BOOST_CHECK_GE(inner->fwd_ms, 15.0);
  BOOST_CHECK_GE(outer->fwd_ms, 15.0);
  // Self time: outer does not also count inner's 15 ms, so the two add up to at most the block.
  BOOST_CHECK_LE(outer->fwd_ms + inner->fwd_ms, block_ms);
  BOOST_CHECK_LE(r.op_ms, r.wall_ms);
}

BOOST_FIXTURE_TEST_CASE(a_backward_row_includes_the_ops_its_closure_calls, Profiling) {
  Generator gen(3);
  Tensor w = randn({3, 3}, gen);
  w.requires_grad_();
  Tensor m = randn({3, 3}, gen);
  // A custom op whose backward runs a matmul and sleeps: the time is the op's backward, and the
  // matmul inside is not a forward call of its own.
  Tensor out =
      record(attend::test::test_op("slow_op"), w.detach() * 2.0f, {&w}, [m](const Tensor& g) {
        std::this_thread::sleep_for(10ms);
        return std::vector<Tensor>{matmul(g, m)};
      });
  sum(out).backward();
  ProfileReport r = Profiler::report();
  const ProfileRow* slow = find_row(r, "slow_op");
  BOOST_REQUIRE(slow);
  BOOST_CHECK_EQUAL(slow->bwd_calls, 1);
  BOOST_CHECK_GE(slow->bwd_ms, 10.0);
  BOOST_CHECK(!find_row(r, "matmul"));
  // The engine row is its own bookkeeping only, not the closures it runs.
  const ProfileRow* engine = find_row(r, "(backward engine)");
  BOOST_REQUIRE(engine);
  BOOST_CHECK_LT(engine->bwd_ms, slow->bwd_ms);
}

BOOST_FIXTURE_TEST_CASE(table_is_sorted_and_adds_up_to_the_wall_time, Profiling) {
  // Alphabetical order (the report's map order) is the reverse of the time order, so an unsorted
  // report fails. The gaps are wide so that a late wake-up on a loaded machine cannot reorder.
  {
    ProfileScope a("a_small");
    std::this_thread::sleep_for(1ms);
  }
  {
    ProfileScope b("b_mid");
    std::this_thread::sleep_for(15ms);
  }
  {
    ProfileScope c("c_big", ProfilePhase::Backward);
    std::this_thread::sleep_for(60ms);
  }
  Profiler::disable();
  ProfileReport r = Profiler::report();
  BOOST_REQUIRE_EQUAL(r.rows.size(), 3u);
  for (size_t i = 0; i + 1 < r.rows.size(); ++i)
    BOOST_CHECK_GE(r.rows[i].total_ms(), r.rows[i + 1].total_ms());
  BOOST_CHECK_EQUAL(r.rows[0].op, "c_big");
  BOOST_CHECK_EQUAL(r.rows[0].bwd_calls, 1);
  BOOST_CHECK_EQUAL(r.rows[0].fwd_calls, 0);
  BOOST_CHECK_GE(r.rows[0].bwd_ms, 60.0);

  // Every line ends in a percentage; the op rows and the outside row sum to ~100.
  for (size_t max_rows : {size_t{0}, size_t{1}}) {
    std::istringstream table(Profiler::format(r, max_rows));
    std::string line;
    double sum = 0;
    int rows = 0;
    bool saw_other = false;
    while (std::getline(table, line)) {
      if (line.empty() || line.back() != '%' || line.rfind("wall", 0) == 0) continue;
      const size_t sp = line.find_last_of(' ');
      sum += std::stod(line.substr(sp + 1));
      ++rows;
      saw_other = saw_other || line.find("(2 other ops)") != std::string::npos;
    }
    BOOST_CHECK_CLOSE(sum, 100.0, 0.5);
    BOOST_CHECK_EQUAL(rows, max_rows == 0 ? 4 : 3);  // ops (+ "others") + outside
    BOOST_CHECK_EQUAL(saw_other, max_rows == 1);
  }
}

BOOST_AUTO_TEST_SUITE_END()
