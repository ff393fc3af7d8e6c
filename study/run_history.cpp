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

// The whole file; DataError naming it when it cannot be read.
std::string read_text(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw DataError(path, 0, "is a directory, not a metrics log");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, std::string("cannot read: ") + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw DataError(path, 0, "cannot read");
  return buffer.str();
}

// One record of the log (line line_no) and where its errors point.
class Record {
 public:
  Record(const json& rec, const std::string& path, int64_t line_no)
      : rec_(rec), path_(path), line_no_(line_no) {}

  // Every field is a number or null (JSON has no NaN), except the split and the norms.
  double num(const std::string& key, const json& v) const {
    if (v.is_null()) return std::nan("");
    if (!v.is_number())
      throw DataError(path_, line_no_, "\"" + key + "\" is " + v.dump() + ", not a number");
    return v.get<double>();
  }
  std::string split() const {
    if (!rec_.contains("split")) return "train";
    if (!rec_["split"].is_string())
      throw DataError(path_, line_no_, "\"split\" is " + rec_["split"].dump() + ", not text");
    return rec_["split"].get<std::string>();
  }
  void check_numbers() const {
    for (const auto& [key, v] : rec_.items())
      if (key != "split" && key != "grad_norms" && key != "sample") num(key, v);
  }
  double step() const { return rec_.contains("step") ? num("step", rec_["step"]) : std::nan(""); }
  // Appends (step, rec[key]) to s when the record has key.
  void add(StepSeries& s, const char* key) const {
    if (!rec_.contains(key)) return;
    s.step.push_back(step());
    s.value.push_back(num(key, rec_[key]));
  }

  void add_train(RunHistory& h) const {
    if (rec_.contains("skipped")) {
      ++h.skipped_batches;
      return;
    }
    add(h.train_loss, "train_loss");
    add(h.grad_norm, "grad_norm");
    add(h.lr, "lr");
    if (!rec_.contains("grad_norms")) return;
    const json& g = rec_["grad_norms"];
    if (!g.is_object())
      throw DataError(path_, line_no_, "\"grad_norms\" is " + g.dump() + ", not an object");
    for (const auto& [name, v] : g.items()) {
      StepSeries& s = h.param_grad_norms[name];
      s.step.push_back(step());
      s.value.push_back(num("grad_norms." + name, v));
    }
  }
  void add_valid(RunHistory& h) const {
    for (const auto& [key, v] : rec_.items()) {
      if (key == "sample") {
        if (!v.is_string())
          throw DataError(path_, line_no_, "\"sample\" is " + v.dump() + ", not text");
        h.samples.emplace_back(step(), v.get<std::string>());
        continue;
      }
      if (!bookkeeping(key)) {
        StepSeries& s = h.valid[key];
        s.step.push_back(step());
        s.value.push_back(num(key, v));
      }
    }
  }
  void add_test(RunHistory& h) const {
    h.test.clear();
    for (const auto& [key, v] : rec_.items())
      if (key != "split" && key != "epoch") h.test[key] = num(key, v);
  }

 private:
  const json& rec_;
  const std::string& path_;
  int64_t line_no_;
};

void add_record(RunHistory& h, const Record& r, const json& rec) {
  const std::string split = r.split();
  r.check_numbers();
  ++h.records;
  const double step = r.step();
  if (std::isfinite(step)) h.last_step = std::max(h.last_step, step);
  if (rec.contains("epoch")) h.last_epoch = std::max(h.last_epoch, r.num("epoch", rec["epoch"]));
  if (split == "train")
    r.add_train(h);
  else if (split == "valid")
    r.add_valid(h);
  else if (split == "test")
    r.add_test(h);
}

}  // namespace

RunHistory read_run_history(const std::string& path) {
  const std::string text = read_text(path);
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
    add_record(h, Record(rec, path, line_no), rec);
  }
  if (h.records == 0) throw DataError(path, 0, "no records (the run has not logged anything yet)");
  return h;
}

}  // namespace attend::study
