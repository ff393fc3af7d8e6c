// Checks the JSON lines of bench_models / models_pytorch.py / bench_models_libtorch for the CTest
// bench/smoke tests:
//   smoke_check results FILE SIDE THREADS  every line is a JSON object from side SIDE run with
//       THREADS threads, one each for b1, b2, b3, with finite positive timings (min <= median
//       <= max), a finite loss at every step that went down over the run (the training loss
//       for B1/B2, which have no dropout; the dropout-free evaluation loss for all three),
//       positive FLOPs and peak RSS, and (attend) no more OS threads than THREADS
//   smoke_check flops FILE   the full-size FLOP counts are BENCHMARKS.md's 6.64 G (B1),
//       4.99 G (B2) and about 1.0 G (B3)
// Prints what failed and exits 1, or exits 0.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    ++failures;
  }
}

bool finite_number(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() && std::isfinite(j[key].get<double>());
}

void check_result(const nlohmann::json& j, const std::string& side, int threads) {
  const std::string c = j.value("config", std::string("?"));
  for (const char* key : {"median_ms", "min_ms", "max_ms", "loss_first", "loss_last",
                          "eval_loss_before", "eval_loss_after", "peak_rss_mib"})
    check(finite_number(j, key), c + ": " + key + " is not a finite number");
  if (failures) return;
  check(j["min_ms"] > 0 && j["min_ms"] <= j["median_ms"] && j["median_ms"] <= j["max_ms"],
        c + ": timings not 0 < min <= median <= max");
  check(j["side"] == side, c + ": side is not " + side);
  check(j["threads"] == threads, c + ": threads is not " + std::to_string(threads));
  check(j["peak_rss_mib"].get<double>() > 1, c + ": peak RSS below 1 MiB");
  check(j["losses"].is_array() &&
            j["losses"].size() == j["warmup"].get<size_t>() + j["steps"].get<size_t>(),
        c + ": losses is not one value per step");
  for (const auto& l : j["losses"])
    check(l.is_number() && std::isfinite(l.get<double>()), c + ": a loss is not finite");
  check(j["eval_loss_after"].get<double>() < j["eval_loss_before"].get<double>(),
        c + ": evaluation loss did not decrease over the run");
  if (c != "b3")
    check(j["loss_last"].get<double>() < j["loss_first"].get<double>(),
          c + ": training loss did not decrease");
  if (side == "attend") {
    check(finite_number(j, "gflop_per_step") && j["gflop_per_step"].get<double>() > 0,
          c + ": no FLOP count");
    check(j["os_threads"].is_number() && j["os_threads"].get<int>() <= threads,
          c + ": " + j["os_threads"].dump() + " OS threads with --threads " +
              std::to_string(threads));
    check(j["core"].is_string() && !j["core"].get<std::string>().empty(), c + ": no core name");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (!((mode == "results" && argc == 5) || (mode == "flops" && argc == 3))) {
    std::fprintf(stderr, "usage: smoke_check results FILE SIDE THREADS | flops FILE\n");
    return 2;
  }
  std::ifstream in(argv[2]);
  std::string line;
  std::set<std::string> seen;
  std::map<std::string, double> gflop;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    check(j.is_object(), "not a JSON object: " + line);
    if (!j.is_object()) continue;
    const std::string c = j.value("config", std::string("?"));
    seen.insert(c);
    if (mode == "results")
      check_result(j, argv[3], std::stoi(argv[4]));
    else if (finite_number(j, "gflop_per_step"))
      gflop[c] = j["gflop_per_step"];
  }
  check(seen == std::set<std::string>{"b1", "b2", "b3"}, "not one line each for b1, b2, b3");
  if (mode == "flops") {
    check(std::abs(gflop["b1"] - 6.64) < 0.005, "B1 FLOPs are not 6.64 G");
    check(std::abs(gflop["b2"] - 4.99) < 0.005, "B2 FLOPs are not 4.99 G");
    check(std::abs(gflop["b3"] - 1.0) < 0.02, "B3 FLOPs are not about 1.0 G");
  }
  return failures ? 1 : 0;
}
