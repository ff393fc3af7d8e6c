// The single process, shares of a batch, gathering results back into order, errors every rank
// agrees on, and how a launcher is recognised. (The MPI world itself is tested under mpirun by
// tests/distributed/.)
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <numeric>

#include "datasets/data_error.h"
#include "trainers/distributed/communicator.h"

using namespace attend;

namespace {

// Rank `rank` of `size`: what the other ranks "send" is given up front.
class Pretend final : public Communicator {
 public:
  Pretend(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string describe() const override { return "pretend"; }
  std::unique_ptr<PendingSum> start_sum(std::span<float> v) override {
    return single_process().start_sum(v);
  }
  std::vector<double> all_gather(std::span<const double> v) override {
    std::vector<double> out;
    for (int r = 0; r < size_; ++r) out.insert(out.end(), v.begin(), v.end());
    return out;
  }
  // Rank r's bytes: ours at our rank, bytes[r] elsewhere.
  std::vector<std::string> all_gather_bytes(const std::string& mine) override {
    sent = mine;
    std::vector<std::string> out = bytes;
    out.resize(static_cast<size_t>(size_));
    out[static_cast<size_t>(rank_)] = mine;
    return out;
  }
  void broadcast(std::span<float>, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int) override { throw std::logic_error("abort"); }
  std::vector<std::string> bytes;
  std::string sent;  // this rank's bytes in the last all_gather_bytes

 private:
  int rank_, size_;
};

// What gather_all sends for a list: another rank's list on the wire.
std::string packed(const std::vector<std::string>& list) {
  Pretend p(0, 2);
  gather_all(p, list);
  return p.sent;
}

// setenv for the test's duration.
struct Env {
  std::string name;
  Env(const char* n, const char* value) : name(n) { setenv(n, value, 1); }
  ~Env() { unsetenv(name.c_str()); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_communicator)

BOOST_AUTO_TEST_CASE(shares_are_contiguous_even_and_cover_everything) {
  for (int size : {1, 2, 3, 7})
    for (size_t n : {0u, 1u, 5u, 64u, 65u}) {
      size_t next = 0, smallest = n, largest = 0;
      for (int r = 0; r < size; ++r) {
        const Share s = share_of(n, Pretend(r, size));
        BOOST_CHECK_EQUAL(s.begin, next);
        next = s.end;
        smallest = std::min(smallest, s.size());
        largest = std::max(largest, s.size());
      }
      BOOST_CHECK_EQUAL(next, n);
      BOOST_CHECK_LE(largest - smallest, 1u);
    }
}

BOOST_AUTO_TEST_CASE(gathering_puts_the_shares_back_in_order) {
  // Rank 1 of 3 gets ranks 0 and 2's lists as they would send them.
  Pretend rank1(1, 3);
  rank1.bytes = {packed({"a", ""}), "", packed({"d\ne", "f"})};
  const std::vector<std::string> all = gather_all(rank1, std::vector<std::string>{"b c"});
  BOOST_CHECK((all == std::vector<std::string>{"a", "", "b c", "d\ne", "f"}));

  BOOST_CHECK(
      (gather_all(single_process(), std::vector<int64_t>{4, 5}) == std::vector<int64_t>{4, 5}));
  const std::vector<double> x = {1.5, 2};
  BOOST_CHECK((single_process().sum(x) == x));
  BOOST_CHECK_EQUAL(single_process().max(3), 3.0);
  Pretend three(0, 3);  // three ranks with the same values
  BOOST_CHECK((three.sum(x) == std::vector<double>{4.5, 6}));
}

BOOST_AUTO_TEST_CASE(one_process_passes_setup_errors_through_unchanged) {
  BOOST_CHECK_THROW(on_every_rank(
                        single_process(), [] { throw DataError("bad line"); }, exit_code_for),
                    DataError);
  int runs = 0;
  on_every_rank(
      single_process(), [&] { ++runs; }, exit_code_for);
  BOOST_CHECK_EQUAL(runs, 1);
}

BOOST_AUTO_TEST_CASE(a_setup_error_on_any_rank_stops_every_rank_with_one_report) {
  const auto ok = [] {};
  // Rank 1 of 3 failed, reading its data: rank 0 reports it, naming the rank, with exit code 2.
  Pretend r0(0, 3);
  r0.bytes = {"", "2\ndata.tsv:3: no tab", ""};
  try {
    on_every_rank(r0, ok, exit_code_for);
    BOOST_FAIL("no error");
  } catch (const RankError& e) {
    BOOST_CHECK_EQUAL(e.what(), std::string("rank 1: data.tsv:3: no tab"));
    BOOST_CHECK_EQUAL(e.exit_code(), 2);
    BOOST_CHECK(e.report());
  }
  // The same on rank 2, which says nothing.
  Pretend r2(2, 3);
  r2.bytes = r0.bytes;
  try {
    on_every_rank(r2, ok, exit_code_for);
    BOOST_FAIL("no error");
  } catch (const RankError& e) {
    BOOST_CHECK(!e.report());
    BOOST_CHECK_EQUAL(e.exit_code(), 2);
  }
  // Every rank failed alike (a bad option): the message as one process would print it.
  Pretend all(0, 2);
  all.bytes = {"", "1\nboom"};
  try {
    on_every_rank(
        all, [] { throw std::runtime_error("boom"); }, exit_code_for);
    BOOST_FAIL("no error");
  } catch (const RankError& e) {
    BOOST_CHECK_EQUAL(e.what(), std::string("boom"));
    BOOST_CHECK_EQUAL(e.exit_code(), 1);
  }
  // Nobody failed.
  Pretend fine(0, 2);
  fine.bytes = {"", ""};
  on_every_rank(fine, ok, exit_code_for);
}

BOOST_AUTO_TEST_CASE(an_mpi_launcher_is_recognised_by_its_environment) {
  unsetenv("OMPI_COMM_WORLD_SIZE");
  unsetenv("PMI_SIZE");
  unsetenv("PMIX_RANK");
  BOOST_CHECK(!launched_by_mpi());
  BOOST_CHECK_EQUAL(connect_ranks()->size(), 1);  // no MPI_Init without a launcher
  {
    Env e("PMI_SIZE", "2");  // MPICH's hydra, Slurm's PMI-2
    BOOST_CHECK(launched_by_mpi());
  }
  {
    Env e("OMPI_COMM_WORLD_SIZE", "4");  // Open MPI's mpirun
    BOOST_CHECK(launched_by_mpi());
  }
  {
    Env e("PMIX_RANK", "0");  // PMIx launchers (Slurm's srun --mpi=pmix, prrte)
    BOOST_CHECK(launched_by_mpi());
  }
  BOOST_CHECK(!mpi_support().empty());
}

BOOST_AUTO_TEST_SUITE_END()
