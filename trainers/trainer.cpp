#include "trainers/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "trainers/checkpoint.h"
#include "trainers/run_log.h"
#include "trainers/stop_signal.h"

namespace attend {
namespace {

using json = nlohmann::json;
constexpr double kInf = std::numeric_limits<double>::infinity();

// The shuffle generator of an epoch: a function of (seed, epoch) only, so resuming at any epoch
// replays the same batch order (splitmix64 finaliser to decorrelate neighbouring epochs).
uint64_t epoch_seed(uint64_t seed, int64_t epoch) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(epoch + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

json number(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}
double number_or(const json& j, const char* key, double fallback) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

// A detached copy of every tensor of a module's state, to restore later.
std::map<std::string, Tensor> snapshot(const Module& m) {
  std::map<std::string, Tensor> out;
  for (const auto& [k, t] : m.state_dict()) out[k] = clone(t.detach());
  return out;
}

// "NaN", "Inf", "-Inf" or the number (std::to_string prints NaN as "-nan" or "nan").
std::string show(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

std::string format_metrics(const std::map<std::string, double>& m) {
  std::string out;
  char buf[64];
  for (const auto& [k, v] : m) {
    std::snprintf(buf, sizeof buf, "%s%s %.4g", out.empty() ? "" : ", ", k.c_str(), v);
    out += buf;
  }
  return out;
}

}  // namespace

struct Trainer::State {
  int64_t epoch = 0;          // the epoch in progress (0-based)
  int64_t step_in_epoch = 0;  // its batches already done
  int64_t global_step = 0;    // optimizer steps taken
  double epoch_loss_sum = 0;  // sum of loss * units over the epoch's batches so far
  int64_t epoch_units = 0;
  double best = std::nan("");  // best validation metric so far
  double best_loss = kInf;     // best validation loss so far (early stopping)
  int64_t best_epoch = -1;
  int64_t bad_evals = 0;
  std::map<std::string, double> best_valid;

  double mean_epoch_loss() const {
    return epoch_loss_sum / static_cast<double>(std::max<int64_t>(1, epoch_units));
  }
  // After the epoch's last batch: the next epoch starts from its first.
  void finish_epoch() {
    ++epoch;
    step_in_epoch = 0;
    epoch_loss_sum = 0;
    epoch_units = 0;
  }

  json to_json() const {
    json j = {{"epoch", epoch},
              {"step_in_epoch", step_in_epoch},
              {"global_step", global_step},
              {"epoch_loss_sum", number(epoch_loss_sum)},
              {"epoch_units", epoch_units},
              {"best", number(best)},
              {"best_loss", number(best_loss)},
              {"best_epoch", best_epoch},
              {"bad_evals", bad_evals}};
    json bv = json::object();
    for (const auto& [k, v] : best_valid) bv[k] = number(v);
    j["best_valid"] = bv;
    return j;
  }
  void from_json(const json& j) {
    epoch = j.at("epoch").get<int64_t>();
    step_in_epoch = j.at("step_in_epoch").get<int64_t>();
    global_step = j.at("global_step").get<int64_t>();
    epoch_loss_sum = number_or(j, "epoch_loss_sum", 0);
    epoch_units = j.at("epoch_units").get<int64_t>();
    best = number_or(j, "best", std::nan(""));
    best_loss = number_or(j, "best_loss", kInf);
    best_epoch = j.at("best_epoch").get<int64_t>();
    bad_evals = j.at("bad_evals").get<int64_t>();
    best_valid.clear();
    for (const auto& [k, v] : j.at("best_valid").items())
      best_valid[k] = v.is_number() ? v.get<double>() : std::nan("");
  }
};

Trainer::Trainer(TrainingTask& task, std::shared_ptr<Generator> dropout, TrainerOptions options)
    : task_(task), dropout_(std::move(dropout)), options_(std::move(options)) {
  if (!dropout_) dropout_ = std::make_shared<Generator>(options_.seed);
  std::vector<Tensor> params = task_.model().parameters();
  const std::string& o = options_.optimizer;
  AdamOptions adam;
  adam.lr = options_.lr;
  adam.beta1 = options_.beta1;
  adam.beta2 = options_.beta2;
  adam.weight_decay = options_.weight_decay;
  if (o == "adam") {
    optimizer_ = std::make_unique<Adam>(params, adam);
  } else if (o == "adamw") {
    optimizer_ = std::make_unique<AdamW>(params, adam);
  } else if (o == "sgd") {
    SGDOptions sgd;
    sgd.lr = options_.lr;
    sgd.momentum = options_.momentum;
    sgd.weight_decay = options_.weight_decay;
    optimizer_ = std::make_unique<SGD>(params, sgd);
  } else {
    throw std::invalid_argument("unknown optimizer '" + o + "' (known: adam, adamw, sgd)");
  }
  const std::string& s = options_.schedule;
  if (s == "plateau")
    plateau_ = std::make_unique<ReduceLROnPlateau>(
        options_.lr,
        metric_higher_is_better(options_.metric.empty() ? task_.default_metric() : options_.metric),
        options_.gamma, static_cast<int>(std::max<int64_t>(1, options_.patience / 2)));
  else if (s != "constant" && s != "step" && s != "cosine" && s != "noam")
    throw std::invalid_argument("unknown schedule '" + s +
                                "' (known: constant, step, cosine, noam, plateau)");
  if (options_.metric.empty()) options_.metric = task_.default_metric();
}

Trainer::~Trainer() = default;

float Trainer::scheduled_lr(const State& s) const {
  if (plateau_) return plateau_->lr();
  return schedule_ ? schedule_->lr_at(s.global_step + 1) : options_.lr;
}

void Trainer::save_checkpoint(const std::string& name, const State& s) {
  if (options_.run_dir.empty()) return;
  std::map<std::string, std::string> meta = options_.metadata;
  json t = s.to_json();
  t["dropout_rng"] = dropout_->state();
  if (plateau_) t["plateau"] = plateau_->state();
  meta[kTrainerStateKey] = t.dump();
  save_module((std::filesystem::path(options_.run_dir) / name).string(), task_.model(), meta,
              optimizer_.get());
}

std::string Trainer::last_path() const {
  return (std::filesystem::path(options_.run_dir) / "last.safetensors").string();
}

void Trainer::load_checkpoint(State& s) {
  const std::string path = last_path();
  if (!std::filesystem::exists(path))
    throw std::runtime_error("cannot resume: " + path + " does not exist");
  Checkpoint ck = load_module(path, task_.model(), optimizer_.get());
  auto it = ck.metadata.find(kTrainerStateKey);
  if (it == ck.metadata.end())
    throw CheckpointError(path + ": no trainer state to resume from (\"" + kTrainerStateKey +
                          "\" missing from its metadata)");
  try {
    json t = json::parse(it->second);
    s.from_json(t);
    dropout_->set_state(t.at("dropout_rng").get<std::string>());
    if (plateau_ && t.contains("plateau")) plateau_->set_state(t["plateau"].get<std::string>());
  } catch (const json::exception& e) {
    throw CheckpointError(path + ": trainer state is malformed: " + e.what());
  }
}

TrainResult Trainer::fit() {
  const auto t0 = std::chrono::steady_clock::now();
  Module& model = task_.model();
  State s;
  if (options_.resume) load_checkpoint(s);
  std::unique_ptr<MetricsLog> log;
  if (!options_.run_dir.empty()) {
    std::filesystem::create_directories(options_.run_dir);
    const std::string log_path =
        (std::filesystem::path(options_.run_dir) / "metrics.jsonl").string();
    if (options_.resume) remove_stale_temporaries(options_.run_dir);
    // Records a killed run wrote after its last checkpoint are written again by the resumed run.
    if (options_.resume && std::filesystem::exists(log_path))
      truncate_metrics_log(log_path, static_cast<double>(s.global_step));
    log = std::make_unique<MetricsLog>(log_path, options_.resume);
  }
  std::optional<DetectAnomalyGuard> anomaly;
  if (options_.detect_anomaly) anomaly.emplace();
  const std::vector<Tensor>& params = optimizer_->params();
  // Parameter names for the per-parameter gradient norms (the same tensors as params).
  const std::vector<std::pair<std::string, Tensor>> named =
      options_.log_grad_norms ? model.named_parameters()
                              : std::vector<std::pair<std::string, Tensor>>{};
  const bool higher = metric_higher_is_better(options_.metric);
  std::map<std::string, Tensor> best_weights;  // in memory when there is no run directory
  TrainResult result;
  bool stop = false;

  while (s.epoch < options_.epochs && !stop) {
    // A stop request that came during an evaluation: the last checkpoint is already current.
    if ((result.interrupted = stop_requested()) != 0) break;
    // Checked before planning too, so a run that reached --max-steps at an epoch's end is not
    // evaluated a second time.
    if (options_.max_steps > 0 && s.global_step >= options_.max_steps) break;
    Generator shuffle(epoch_seed(options_.seed, s.epoch));
    const int64_t n = task_.plan_epoch(s.epoch, shuffle);
    if (!schedule_ && !plateau_) {
      // Schedules span --epochs, never --max-steps: max-steps only says where to stop, so a run
      // stopped early and resumed follows the same learning rates as one that never stopped.
      const int64_t total = n * options_.epochs;
      const std::string& k = options_.schedule;
      if (k == "step")
        schedule_ = std::make_unique<StepLR>(
            options_.lr, std::max<int64_t>(1, options_.step_size * n), options_.gamma);
      else if (k == "cosine")
        schedule_ = std::make_unique<CosineWarmupLR>(options_.lr, options_.warmup_steps, total);
      else if (k == "noam")
        schedule_ = std::make_unique<NoamLR>(
            options_.noam_d_model, std::max<int64_t>(1, options_.warmup_steps), options_.lr);
    }
    model.train();
    ProgressBar bar("epoch " + std::to_string(s.epoch + 1) + "/" + std::to_string(options_.epochs),
                    n, task_.unit(), options_.progress);
    bar.update(s.step_in_epoch, 0);
    for (int64_t i = s.step_in_epoch; i < n; ++i) {
      if (options_.max_steps > 0 && s.global_step >= options_.max_steps) {
        stop = true;
        break;
      }
      if ((result.interrupted = stop_requested()) != 0) break;
      const Generator dropout_before = *dropout_;  // to save the position before a bad batch
      optimizer_->zero_grad();
      int64_t units = 0;
      float loss_value = 0, norm = 0;
      std::string fault;  // why this batch cannot be used; "" when it can
      try {
        Tensor loss = task_.batch_loss(i, units);
        loss_value = loss.item();
        if (!std::isfinite(loss_value)) {
          fault = "training loss is " + show(loss_value);
        } else {
          loss.backward();
          norm = grad_norm(params);
          if (!std::isfinite(norm))
            fault = "gradient norm is " + show(norm) + " (loss " + show(loss_value) + ")";
        }
      } catch (const AnomalyError& e) {
        fault = e.what();
      }
      if (!fault.empty()) {
        const std::string where = " at step " + std::to_string(s.global_step + 1) + " (epoch " +
                                  std::to_string(s.epoch + 1) + ", batch " + std::to_string(i + 1) +
                                  ")";
        if (options_.skip_nonfinite) {
          ++result.skipped_batches;
          s.step_in_epoch = i + 1;
          std::fprintf(stderr, "warning: skipped a batch: %s%s\n", fault.c_str(), where.c_str());
          if (log)
            log->write({{"step", static_cast<double>(s.global_step)},
                        {"epoch", static_cast<double>(s.epoch + 1)},
                        {"batch", static_cast<double>(i + 1)},
                        {"skipped", 1.0}},
                       {{"split", "train"}});
          continue;
        }
        // The weights are still those before this batch (no step was taken): keep them as the
        // last checkpoint, positioned at this batch, so a resume can retry or skip it.
        *dropout_ = dropout_before;
        s.step_in_epoch = i;
        save_checkpoint("last.safetensors", s);
        std::string advice = options_.run_dir.empty()
                                 ? std::string()
                                 : "; the weights before this batch are in " + last_path();
        if (!options_.detect_anomaly) advice += " (--detect-anomaly names the op)";
        throw NonFiniteError(fault + where + advice);
      }
      // Per-parameter norms of this step's gradients, before clipping changes them; only for a
      // step that is logged.
      std::map<std::string, double> param_norms;
      if (log && !named.empty() && options_.log_every > 0 &&
          (s.global_step + 1) % options_.log_every == 0)
        for (const auto& [name, p] : named) param_norms[name] = grad_norm({p});
      if (options_.clip_value > 0) {
        clip_grad_value_(params, options_.clip_value);
        if (options_.clip_norm > 0) norm = grad_norm(params);
      }
      if (options_.clip_norm > 0 && norm > options_.clip_norm)
        scale_grads_(params, options_.clip_norm / (norm + 1e-6f));
      const float lr = scheduled_lr(s);
      optimizer_->set_lr(lr);
      optimizer_->step();
      ++s.global_step;
      s.step_in_epoch = i + 1;
      s.epoch_loss_sum += static_cast<double>(loss_value) * static_cast<double>(units);
      s.epoch_units += units;
      bar.update(i + 1, units, s.mean_epoch_loss());
      if (log && options_.log_every > 0 && s.global_step % options_.log_every == 0)
        log->write({{"step", static_cast<double>(s.global_step)},
                    {"epoch", static_cast<double>(s.epoch + 1)},
                    {"train_loss", loss_value},
                    {"grad_norm", norm},
                    {"lr", lr}},
                   {{"split", "train"}},
                   param_norms.empty() ? std::map<std::string, std::map<std::string, double>>{}
                                       : std::map<std::string, std::map<std::string, double>>{
                                             {"grad_norms", param_norms}});
      // Not after an epoch's last batch: the epoch's end saves it after the evaluation.
      if (options_.checkpoint_every > 0 && s.global_step % options_.checkpoint_every == 0 &&
          i + 1 < n)
        save_checkpoint("last.safetensors", s);
      if (options_.on_step) options_.on_step(s.global_step);
    }
    bar.finish();
    if (result.interrupted) {
      // Asked to stop (SIGINT, SIGTERM): save the exact position, without evaluating.
      save_checkpoint("last.safetensors", s);
      break;
    }
    // A run stopped by --max-steps inside an epoch is evaluated where it stopped; last.safetensors
    // then records the position inside the epoch, so --resume continues with the next batch.
    const bool epoch_done = s.step_in_epoch >= n;
    const double train_loss = s.mean_epoch_loss();
    const bool last_epoch = s.epoch + 1 == options_.epochs;
    std::map<std::string, double> valid;
    if ((epoch_done && ((s.epoch + 1) % options_.eval_every == 0 || last_epoch)) || stop) {
      valid = task_.evaluate(EvalSplit::kValid);
      const double m = valid.count(options_.metric) ? valid[options_.metric] : std::nan("");
      const double vloss = valid.count("loss") ? valid["loss"] : kInf;
      const bool better = std::isnan(s.best) || (higher ? m > s.best : m < s.best) ||
                          (m == s.best && vloss < s.best_loss);
      const bool loss_better = vloss < s.best_loss;
      if (better) {
        s.best = m;
        s.best_epoch = s.epoch;
        s.best_valid = valid;
        if (options_.run_dir.empty()) best_weights = snapshot(model);
      }
      if (loss_better) s.best_loss = vloss;
      s.bad_evals = (better || loss_better) ? 0 : s.bad_evals + 1;
      if (plateau_) plateau_->observe(static_cast<float>(m));
      if (options_.patience > 0 && s.bad_evals >= options_.patience) {
        result.stopped_early = true;
        stop = true;
      }
      if (log) {
        std::map<std::string, double> rec = valid;
        rec["epoch"] = static_cast<double>(s.epoch + 1);
        rec["step"] = static_cast<double>(s.global_step);
        rec["train_loss"] = train_loss;
        rec["lr"] = optimizer_->lr();
        log->write(rec, {{"split", "valid"}});
      }
      if (!options_.quiet)
        std::fprintf(stderr, "epoch %lld: train loss %.4f; valid %s%s\n",
                     static_cast<long long>(s.epoch + 1), train_loss, format_metrics(valid).c_str(),
                     better ? " (best)" : "");
      if (better) save_checkpoint("best.safetensors", s);
    }
    if (!epoch_done) {
      save_checkpoint("last.safetensors", s);
      break;
    }
    s.finish_epoch();
    save_checkpoint("last.safetensors", s);
    ++result.epochs_run;
  }

  result.steps = s.global_step;
  result.best_epoch = s.best_epoch;
  result.best_metric = s.best;
  result.best_valid = s.best_valid;
  if (options_.test_at_end && s.best_epoch >= 0 && !result.interrupted) {
    // The test split is scored once, with the weights of the best validation metric.
    const std::map<std::string, Tensor> saved = snapshot(model);
    if (!options_.run_dir.empty())
      load_module((std::filesystem::path(options_.run_dir) / "best.safetensors").string(), model);
    else if (!best_weights.empty())
      model.load_state_dict(best_weights);
    result.test = task_.evaluate(EvalSplit::kTest);
    model.load_state_dict(saved);
    if (log) {
      std::map<std::string, double> rec = result.test;
      rec["epoch"] = static_cast<double>(s.best_epoch + 1);
      log->write(rec, {{"split", "test"}});
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

bool metric_higher_is_better(const std::string& metric) {
  return !(metric == "loss" || metric == "ppl");
}

}  // namespace attend
