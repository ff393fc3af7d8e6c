#include "study/run_history.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "datasets/data_error.h"

namespace attend::study {
namespace {

using json = nlohmann::json;

// Keys of a validation record that are bookkeeping, not metrics.
bool bookkeeping(const std::string& key) {
  return key == "split" || key == "step" || key == "epoch" || key == "lr";
}

}  // namespace

RunHistory read_run_history(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw DataError(path, 0, "is a directory, not a metrics log");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, std::string("cannot read: ") + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw DataError(path, 0, "cannot read");
  const std::string text = buffer.str();
  RunHistory h;
  h.path = path;
  int64_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    const size_t end = text.find('\n', start);
    const bool complete = end != std::string::npos;
    const std::string line = text.substr(start, complete ? end - start : std::string::npos);
    start = complete ? end + 1 : text.size();
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json rec;
    try {
      rec = json::parse(line);
    } catch (const json::exception& e) {
      if (!complete) break;  // a record cut short by a killed run
      throw DataError(path, line_no, std::string("not a JSON object: ") + e.what());
    }
    if (!rec.is_object()) throw DataError(path, line_no, "not a JSON object: " + rec.dump());
    // Every field is a number or null (JSON has no NaN), except the split and the norms.
    auto num = [&](const std::string& key, const json& v) {
      if (v.is_null()) return std::nan("");
      if (!v.is_number())
        throw DataError(path, line_no, "\"" + key + "\" is " + v.dump() + ", not a number");
      return v.get<double>();
    };
    std::string split = "train";
    if (rec.contains("split")) {
      if (!rec["split"].is_string())
        throw DataError(path, line_no, "\"split\" is " + rec["split"].dump() + ", not text");
      split = rec["split"].get<std::string>();
    }
    for (const auto& [key, v] : rec.items())
      if (key != "split" && key != "grad_norms") num(key, v);
    ++h.records;
    const double step = rec.contains("step") ? num("step", rec["step"]) : std::nan("");
    if (std::isfinite(step)) h.last_step = std::max(h.last_step, step);
    if (rec.contains("epoch")) h.last_epoch = std::max(h.last_epoch, num("epoch", rec["epoch"]));
    auto add = [&](StepSeries& s, const char* key) {
      if (!rec.contains(key)) return;
      s.step.push_back(step);
      s.value.push_back(num(key, rec[key]));
    };
    if (split == "train") {
      if (rec.contains("skipped")) {
        ++h.skipped_batches;
        continue;
      }
      add(h.train_loss, "train_loss");
      add(h.grad_norm, "grad_norm");
      add(h.lr, "lr");
      if (rec.contains("grad_norms")) {
        const json& g = rec["grad_norms"];
        if (!g.is_object())
          throw DataError(path, line_no, "\"grad_norms\" is " + g.dump() + ", not an object");
        for (const auto& [name, v] : g.items()) {
          StepSeries& s = h.param_grad_norms[name];
          s.step.push_back(step);
          s.value.push_back(num("grad_norms." + name, v));
        }
      }
    } else if (split == "valid") {
      for (const auto& [key, v] : rec.items())
        if (!bookkeeping(key)) {
          StepSeries& s = h.valid[key];
          s.step.push_back(step);
          s.value.push_back(num(key, v));
        }
    } else if (split == "test") {
      h.test.clear();
      for (const auto& [key, v] : rec.items())
        if (key != "split" && key != "epoch") h.test[key] = num(key, v);
    }
  }
  if (h.records == 0) throw DataError(path, 0, "no records (the run has not logged anything yet)");
  return h;
}

}  // namespace attend::study
