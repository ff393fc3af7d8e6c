// A long training run keeps its resident memory and its open files flat: 10,000 optimizer steps of
// a Seq2Seq with dropout, writing its metrics log and checkpoints, measured from inside the run.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "trainers/trainer.h"
#include "trainers/trainer_test_util.h"

using namespace attend;
using namespace attend::test;
namespace fs = std::filesystem;

namespace {

// Resident set size in MiB (/proc/self/statm's second field is in pages).
double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long total = 0, resident = 0;
  statm >> total >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1048576.0;
}

// Under AddressSanitizer resident memory measures no leak: freed blocks wait in its quarantine
// (256 MiB by default) before reuse. LeakSanitizer checks that build for leaks at exit instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

int open_files() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_memory)

BOOST_AUTO_TEST_CASE(ten_thousand_steps_keep_memory_and_open_files_flat) {
  TempDir data, run;
  write_corpus(data);
  Experiment e = Experiment::create(text_config(data, "seq2seq"));
  TrainerOptions o = quiet_options(run.dir.string(), 10000);
  o.epochs = 100000;
  o.eval_every = 400;        // an evaluation (greedy decoding) every 2,400 steps
  o.log_every = 10;          // 1,000 log records
  o.checkpoint_every = 500;  // and 20 mid-epoch checkpoints beside the per-epoch ones
  double rss_warm = 0, rss_peak = 0;
  int files_warm = 0, files_end = 0;
  o.on_step = [&](int64_t step) {
    if (step % 250 != 0) return;
    const double rss = rss_mib();
    if (step == 1000) {
      rss_warm = rss;
      files_warm = open_files();
    }
    if (step > 1000) rss_peak = std::max(rss_peak, rss);
    if (step == 10000) files_end = open_files();
  };
  TrainResult r = Trainer(e.task(), e.dropout_generator(), o).fit();
  BOOST_REQUIRE_EQUAL(r.steps, 10000);
  BOOST_TEST_MESSAGE("resident memory after 1,000 steps " << rss_warm << " MiB, highest after "
                                                          << rss_peak << " MiB; open files "
                                                          << files_warm << " -> " << files_end);
  // Generous: a leak of even 1 KiB per step would add about 9 MiB.
  if (!kAddressSanitizer) BOOST_CHECK_LT(rss_peak - rss_warm, 8.0);
  BOOST_CHECK_EQUAL(files_end, files_warm);
}

BOOST_AUTO_TEST_SUITE_END()
