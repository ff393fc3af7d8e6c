#include "trainers/trainer.h"

#include <sys/resource.h>
#include <unistd.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "autograd/creation.h"
#include "trainers/checkpoint.h"
#include "trainers/distributed/gradient_buckets.h"
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

// The dropout seed of a rank other than 0: the run's seed mixed with the rank (splitmix64's
// finaliser), so every rank draws its own masks and rank 0 those of a single process.
uint64_t rank_seed(uint64_t seed, int rank) {
  return epoch_seed(seed ^ 0xD1B54A32D192ED03ull, rank);
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

// Resident memory now (/proc/self/statm's second field, in pages) and at its peak
// (getrusage's ru_maxrss, in KiB on Linux), in MiB: logged with each evaluation so a run's memory
// can be seen to stay flat.
double rss_mib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long total = 0, resident = 0;
  const int read = std::fscanf(f, "%ld %ld", &total, &resident);
  std::fclose(f);
  return read == 2 ? static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
                         (1024.0 * 1024.0)
                   : 0.0;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// A metrics log record's nested objects: {"grad_norms": {"parameter": norm, ...}}.
using Objects = std::map<std::string, std::map<std::string, double>>;

}  // namespace

Trainer::Trainer(TrainingTask& task, std::shared_ptr<Generator> dropout, TrainerOptions options)
    : task_(task), dropout_(std::move(dropout)), options_(std::move(options)) {
  comm_ = options_.communicator ? options_.communicator.get() : &single_process();
  if (!dropout_) dropout_ = std::make_shared<Generator>(options_.seed);
  if (options_.accumulate < 1)
    throw std::invalid_argument("trainer: accumulate must be >= 1, got " +
                                std::to_string(options_.accumulate));
  // The ranks' gradient sums start as each parameter's gradient is final, with the weights of one
  // batch's shares (backward()): micro-batches would need both per micro-batch.
  if (options_.accumulate > 1 && comm_->size() > 1)
    throw std::invalid_argument(
        "trainer: --accumulate " + std::to_string(options_.accumulate) +
        " is for one process; with mpirun, raise --batch-size instead (it is shared among the "
        "ranks)");
  optimizer_ = make_optimizer(task_.model().parameters());
  if (options_.decay_matrices_only)
    optimizer_->set_weight_decay_groups(matrices_decay(task_.model()));
  if (comm_->size() > 1) join_ranks();
  if (options_.metric.empty()) options_.metric = task_.default_metric();
  if (options_.schedule == ScheduleKind::kPlateau)
    plateau_ = std::make_unique<ReduceLROnPlateau>(
        options_.lr, metric_higher_is_better(options_.metric), options_.gamma,
        static_cast<int>(std::max<int64_t>(1, options_.patience / 2)));
}

std::unique_ptr<Optimizer> Trainer::make_optimizer(std::vector<Tensor> params) const {
  AdamOptions adam;
  adam.lr = options_.lr;
  adam.beta1 = options_.beta1;
  adam.beta2 = options_.beta2;
  adam.weight_decay = options_.weight_decay;
  SGDOptions sgd;
  sgd.lr = options_.lr;
  sgd.momentum = options_.momentum;
  sgd.weight_decay = options_.weight_decay;
  switch (options_.optimizer) {
    case OptimizerKind::kAdam:
      return std::make_unique<Adam>(std::move(params), adam);
    case OptimizerKind::kAdamW:
      return std::make_unique<AdamW>(std::move(params), adam);
    case OptimizerKind::kSGD:
      return std::make_unique<SGD>(std::move(params), sgd);
  }
  throw std::invalid_argument("unknown optimizer kind " +
                              std::to_string(static_cast<int>(options_.optimizer)));
}

// A schedule over the whole run. Schedules span --epochs, never --max-steps: max-steps only says
// where to stop, so a run stopped early and resumed follows the same learning rates as one that
// never stopped. Constant and plateau have none (plateau's rate comes from plateau_).
std::unique_ptr<LRSchedule> Trainer::make_schedule(int64_t batches_per_epoch) const {
  const int64_t n = batches_per_epoch;
  switch (options_.schedule) {
    case ScheduleKind::kStep:
      return std::make_unique<StepLR>(options_.lr, std::max<int64_t>(1, options_.step_size * n),
                                      options_.gamma);
    case ScheduleKind::kCosine:
      return std::make_unique<CosineWarmupLR>(options_.lr, options_.warmup_steps,
                                              n * options_.epochs, options_.min_lr);
    case ScheduleKind::kNoam:
      return std::make_unique<NoamLR>(options_.noam_d_model,
                                      std::max<int64_t>(1, options_.warmup_steps), options_.lr);
    case ScheduleKind::kConstant:
    case ScheduleKind::kPlateau:
      break;
  }
  return nullptr;
}

Trainer::~Trainer() = default;

void Trainer::join_ranks() {
  task_.distribute(*comm_);
  if (comm_->rank() > 0) {
    dropout_->manual_seed(rank_seed(dropout_->seed(), comm_->rank()));
    options_.progress.mode = ProgressOptions::Mode::kOff;
    options_.quiet = true;
  }
  buckets_ = std::make_unique<GradientBuckets>(optimizer_->params(), *comm_, options_.bucket_bytes);
}

void Trainer::same_model_on_every_rank() {
  std::string what;
  for (const auto& [k, v] : options_.metadata) what += k + "=" + v + "\n";
  for (const auto& [name, p] : task_.model().named_parameters())
    what += name + p.shape().str() + "\n";
  const std::string mine = std::to_string(std::hash<std::string>{}(what));
  const std::vector<std::string> all = comm_->all_gather_bytes(mine);
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0])
      throw RankError("rank " + std::to_string(r) +
                          " builds another model or data than rank 0: every rank must run the "
                          "same command on the same files",
                      2, comm_->rank() == 0);
  for (Tensor p : optimizer_->params())
    comm_->broadcast(std::span<float>(p.data(), static_cast<size_t>(p.numel())), 0);
}

struct Trainer::Run {
  TrainState state;
  std::unique_ptr<MetricsLog> log;  // null when nothing is written
  std::optional<DetectAnomalyGuard> anomaly;
  // Parameter names for the per-parameter gradient norms (the same tensors as the optimizer's).
  std::vector<std::pair<std::string, Tensor>> named;
  bool higher = true;                          // whether the followed metric improves upwards
  std::map<std::string, Tensor> best_weights;  // in memory when there is no run directory
  TrainResult result;
  bool stop = false;  // --max-steps reached, or early stopping
};

struct Trainer::Gradients {
  int64_t units = 0;  // what the loss averages over
  float loss = 0, norm = 0;
  std::string fault;  // why this batch cannot be used; "" when it can
  int stop = 0;       // the signal every rank agreed to stop on, or 0
};

TrainResult Trainer::fit() {
  const auto t0 = std::chrono::steady_clock::now();
  Run r;
  start(r);
  while (r.state.epoch < options_.epochs && !r.stop) {
    if (stop_before_epoch(r)) break;
    const int64_t batches = begin_epoch(r);
    train_epoch(r, batches);
    if (r.result.interrupted) {
      // Asked to stop (SIGINT, SIGTERM): save the exact position, without evaluating.
      save_checkpoint("last.safetensors", r.state);
      break;
    }
    // A run stopped by --max-steps inside an epoch is evaluated where it stopped; last.safetensors
    // then records the position inside the epoch, so --resume continues with the next batch.
    const bool epoch_done = r.state.step_in_epoch >= batches;
    if (evaluation_due(r, epoch_done)) evaluate(r);
    if (!end_epoch(r, epoch_done)) break;
  }
  test_best(r);
  r.result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.result.peak_rss_mb = peak_rss_mib();
  return r.result;
}

void Trainer::start(Run& r) {
  if (options_.resume)
    on_every_rank(
        *comm_, [&] { load_checkpoint(r.state); }, exit_code_for);
  if (comm_->size() > 1) same_model_on_every_rank();
  if (writes()) {
    std::filesystem::create_directories(options_.run_dir);
    const std::string log_path =
        (std::filesystem::path(options_.run_dir) / "metrics.jsonl").string();
    if (options_.resume) remove_stale_temporaries(options_.run_dir);
    // Records a killed run wrote after its last checkpoint are written again by the resumed run.
    if (options_.resume && std::filesystem::exists(log_path))
      truncate_metrics_log(log_path, static_cast<double>(r.state.global_step));
    r.log = std::make_unique<MetricsLog>(log_path, options_.resume);
  }
  if (options_.detect_anomaly) r.anomaly.emplace();
  if (options_.log_grad_norms) r.named = task_.model().named_parameters();
  r.higher = metric_higher_is_better(options_.metric);
}

void Trainer::load_checkpoint(TrainState& s) {
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
    // Each rank continues its own dropout stream, so a run resumes on as many ranks as saved it.
    const int ranks = t.value("ranks", 1);
    if (ranks != comm_->size())
      throw CheckpointError(
          path + " was saved by " +
          (ranks == 1 ? "one process" : "a run of " + std::to_string(ranks) + " ranks") +
          "; resume it " +
          (ranks == 1 ? "without mpirun" : "with mpirun -np " + std::to_string(ranks)) +
          ", not on " + comm_->describe());
    dropout_->set_state(ranks == 1 ? t.at("dropout_rng").get<std::string>()
                                   : t.at("dropout_rngs").at(comm_->rank()).get<std::string>());
    if (plateau_ && t.contains("plateau")) plateau_->set_state(t["plateau"].get<std::string>());
  } catch (const json::exception& e) {
    throw CheckpointError(path + ": trainer state is malformed: " + e.what());
  }
}

bool Trainer::stop_before_epoch(Run& r) const {
  // A stop request that came during an evaluation: the last checkpoint is already current.
  if ((r.result.interrupted = static_cast<int>(comm_->max(stop_requested()))) != 0) return true;
  // Checked before planning too, so a run that reached --max-steps at an epoch's end is not
  // evaluated a second time.
  return options_.max_steps > 0 && r.state.global_step >= options_.max_steps;
}

int64_t Trainer::begin_epoch(Run& r) {
  Generator shuffle(epoch_seed(options_.seed, r.state.epoch));
  // With accumulation the plan's batches are micro-batches, accumulate to a step.
  const int64_t n = task_.plan_epoch(r.state.epoch, shuffle) / options_.accumulate;
  if (!schedule_) schedule_ = make_schedule(n);
  task_.model().train();
  return n;
}

void Trainer::train_epoch(Run& r, int64_t batches) {
  TrainState& s = r.state;
  ProgressBar bar("epoch " + std::to_string(s.epoch + 1) + "/" + std::to_string(options_.epochs),
                  batches, task_.unit(), options_.progress);
  bar.update(s.step_in_epoch, 0);
  for (int64_t i = s.step_in_epoch; i < batches; ++i) {
    if (options_.max_steps > 0 && s.global_step >= options_.max_steps) {
      r.stop = true;
      break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const bool go_on = train_step(r, i, batches, bar);
    r.result.step_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!go_on) break;
  }
  bar.finish();
}

bool Trainer::train_step(Run& r, int64_t i, int64_t batches, ProgressBar& bar) {
  const Generator dropout_before = *dropout_;  // to save the position before a bad batch
  optimizer_->zero_grad();
  Gradients g = backward(i);
  if (g.stop) {  // asked to stop (SIGINT, SIGTERM): as if this batch had not started
    *dropout_ = dropout_before;
    r.result.interrupted = g.stop;
    return false;
  }
  // The gradients are the whole batch's here (backward() summed them over the ranks), so the
  // checks, the clipping and the update below are the same on every rank.
  if (g.fault.empty()) check_gradients(g);
  if (!g.fault.empty()) {
    reject_batch(r, i, g.fault, dropout_before);
    return true;
  }
  // Per-parameter norms of this step's gradients, before clipping changes them.
  const std::map<std::string, double> param_norms = parameter_norms(r);
  clip_gradients(g.norm);
  const float lr = update(r.state);
  record_step(r, i, batches, g, lr, param_norms, bar);
  return true;
}

Trainer::Gradients Trainer::backward(int64_t i) {
  Gradients g;
  const int64_t a = options_.accumulate;
  Tensor loss;  // the last micro-batch's, divided by a; its backward is the ranks' common one below
  try {
    // The micro-batches before the last: each one's graph is freed by its backward() before the
    // next is built, so memory is that of one micro-batch; the gradients add up in .grad.
    for (int64_t m = 0; m + 1 < a && g.fault.empty(); ++m) {
      int64_t units = 0;
      Tensor l = task_.batch_loss(i * a + m, units);
      const float value = l.item();
      g.units += units;
      g.loss += value / static_cast<float>(a);
      if (!std::isfinite(value))
        g.fault = "training loss is " + show(value);
      else
        (l * (1.0f / static_cast<float>(a))).backward();
    }
    if (g.fault.empty()) {
      int64_t units = 0;
      loss = task_.batch_loss(i * a + a - 1, units);  // undefined when this rank's share is empty
      g.units += units;
      if (loss.defined()) {
        const float value = loss.item();
        g.loss += value / static_cast<float>(a);
        if (!std::isfinite(value)) g.fault = "training loss is " + show(value);
        if (a > 1) loss = loss * (1.0f / static_cast<float>(a));
      }
    }
  } catch (const AnomalyError& e) {
    g.fault = e.what();
  }
  const double weight = agree_on_batch(g);
  if (g.stop || !g.fault.empty()) return g;
  if (buckets_) buckets_->begin();
  int faults = 0;
  try {
    // Each rank's mean loss weighted by its share of the units: the gradients summed over the
    // ranks are then those of the whole batch's mean.
    if (loss.defined() && weight == 1.0)
      loss.backward();
    else if (loss.defined())
      loss.backward(full(loss.shape(), static_cast<float>(weight)));
  } catch (const AnomalyError& e) {
    g.fault = e.what();
    faults = 1;
  }
  if (buckets_ && buckets_->finish(faults) > 0) {
    // A rank's backward failed: every rank rejects the batch, with the first failing rank's words.
    const std::vector<std::string> all = comm_->all_gather_bytes(g.fault);
    for (size_t r = 0; r < all.size(); ++r)
      if (!all[r].empty()) {
        g.fault = "rank " + std::to_string(r) + ": " + all[r];
        break;
      }
  }
  return g;
}

double Trainer::agree_on_batch(Gradients& g) {
  g.stop = stop_requested();
  if (comm_->size() == 1) return 1.0;
  const int64_t mine = g.units;
  const bool faulty = !g.fault.empty();
  const double here[] = {static_cast<double>(g.units),
                         faulty ? 0.0 : static_cast<double>(g.loss) * static_cast<double>(g.units),
                         faulty ? 1.0 : 0.0, static_cast<double>(g.stop)};
  const std::vector<double> all = comm_->all_gather(here);
  double units = 0, loss = 0;
  int first_fault = -1;
  g.stop = 0;
  for (int r = 0; r < comm_->size(); ++r) {
    const double* x = all.data() + 4 * r;
    units += x[0];
    loss += x[1];
    if (x[2] != 0 && first_fault < 0) first_fault = r;
    g.stop = std::max(g.stop, static_cast<int>(x[3]));
  }
  g.units = static_cast<int64_t>(units);
  g.loss = static_cast<float>(loss / std::max(1.0, units));
  if (first_fault >= 0 && !g.stop) {
    const std::vector<std::string> faults = comm_->all_gather_bytes(g.fault);
    g.fault = "rank " + std::to_string(first_fault) + ": " + faults[first_fault];
  }
  return units > 0 ? static_cast<double>(mine) / units : 0.0;
}

void Trainer::check_gradients(Gradients& g) const {
  g.norm = grad_norm(optimizer_->params());
  if (!std::isfinite(g.norm))
    g.fault = "gradient norm is " + show(g.norm) + " (loss " + show(g.loss) + ")";
}

// A batch with a non-finite loss or gradient: skipped (--skip-nonfinite), or the run stops with
// NonFiniteError after saving the weights from before it.
void Trainer::reject_batch(Run& r, int64_t i, const std::string& fault,
                           const Generator& dropout_before) {
  TrainState& s = r.state;
  const std::string where = " at step " + std::to_string(s.global_step + 1) + " (epoch " +
                            std::to_string(s.epoch + 1) + ", batch " + std::to_string(i + 1) + ")";
  if (options_.skip_nonfinite) {
    ++r.result.skipped_batches;
    s.step_in_epoch = i + 1;
    if (reports())
      std::fprintf(stderr, "warning: skipped a batch: %s%s\n", fault.c_str(), where.c_str());
    if (r.log)
      r.log->write({{"step", static_cast<double>(s.global_step)},
                    {"epoch", static_cast<double>(s.epoch + 1)},
                    {"batch", static_cast<double>(i + 1)},
                    {"skipped", 1.0}},
                   {{"split", "train"}});
    return;
  }
  // The weights are still those before this batch (no step was taken): keep them as the last
  // checkpoint, positioned at this batch, so a resume can retry or skip it.
  *dropout_ = dropout_before;
  s.step_in_epoch = i;
  save_checkpoint("last.safetensors", s);
  std::string advice =
      writes() ? "; the weights before this batch are in " + last_path() : std::string();
  if (!options_.detect_anomaly) advice += " (--detect-anomaly names the op)";
  throw NonFiniteError(fault + where + advice);
}

// Only for a step that is logged, and only with --log-grad-norms.
std::map<std::string, double> Trainer::parameter_norms(const Run& r) const {
  std::map<std::string, double> norms;
  if (r.log && !r.named.empty() && options_.log_every > 0 &&
      (r.state.global_step + 1) % options_.log_every == 0)
    for (const auto& [name, p] : r.named) norms[name] = grad_norm({p});
  return norms;
}

void Trainer::clip_gradients(float norm) {
  const std::vector<Tensor>& params = optimizer_->params();
  if (options_.clip_value > 0) {
    clip_grad_value_(params, options_.clip_value);
    if (options_.clip_norm > 0) norm = grad_norm(params);
  }
  if (options_.clip_norm > 0 && norm > options_.clip_norm)
    scale_grads_(params, options_.clip_norm / (norm + 1e-6f));
}

float Trainer::update(const TrainState& s) {
  const float lr = scheduled_lr(s);
  optimizer_->set_lr(lr);
  optimizer_->step();
  return lr;
}

void Trainer::record_step(Run& r, int64_t i, int64_t batches, const Gradients& g, float lr,
                          const std::map<std::string, double>& param_norms, ProgressBar& bar) {
  TrainState& s = r.state;
  ++s.global_step;
  s.step_in_epoch = i + 1;
  s.epoch_loss_sum += static_cast<double>(g.loss) * static_cast<double>(g.units);
  s.epoch_units += g.units;
  r.result.units += g.units;
  bar.update(i + 1, g.units, s.mean_epoch_loss());
  if (r.log && options_.log_every > 0 && s.global_step % options_.log_every == 0)
    r.log->write({{"step", static_cast<double>(s.global_step)},
                  {"epoch", static_cast<double>(s.epoch + 1)},
                  {"train_loss", g.loss},
                  {"grad_norm", g.norm},
                  {"lr", lr}},
                 {{"split", "train"}},
                 param_norms.empty() ? Objects{} : Objects{{"grad_norms", param_norms}});
  // Not after an epoch's last batch: the epoch's end saves it after the evaluation.
  if (options_.checkpoint_every > 0 && s.global_step % options_.checkpoint_every == 0 &&
      i + 1 < batches)
    save_checkpoint("last.safetensors", s);
  if (options_.on_step) options_.on_step(s.global_step);
}

bool Trainer::evaluation_due(const Run& r, bool epoch_done) const {
  const bool last_epoch = r.state.epoch + 1 == options_.epochs;
  return (epoch_done && ((r.state.epoch + 1) % options_.eval_every == 0 || last_epoch)) || r.stop;
}

void Trainer::evaluate(Run& r) {
  TrainState& s = r.state;
  const std::map<std::string, double> valid = task_.evaluate(EvalSplit::kValid);
  const auto it = valid.find(options_.metric);
  const double m = it != valid.end() ? it->second : std::nan("");
  const double vloss = valid.count("loss") ? valid.at("loss") : kInf;
  bool better = false;    // these weights become the best checkpoint
  bool progress = false;  // the patience restarts
  if (options_.best_rule == BestRule::kMetric) {
    better = std::isnan(s.best) || (r.higher ? m > s.best : m < s.best) ||
             (m == s.best && vloss < s.best_loss);
    const bool loss_better = vloss < s.best_loss;
    if (better) s.best = m;
    if (loss_better) s.best_loss = vloss;
    progress = better || loss_better;
  } else {  // s.best and s.best_loss are the best of each seen so far, saved or not
    const bool metric_reached = std::isnan(s.best) || (r.higher ? m >= s.best : m <= s.best);
    const bool loss_reached = vloss <= s.best_loss;
    better = metric_reached && loss_reached;
    progress = metric_reached || loss_reached;
    if (metric_reached) s.best = m;
    if (loss_reached) s.best_loss = vloss;
  }
  if (better) {
    s.best_epoch = s.epoch;
    s.best_valid = valid;
    if (!writes()) r.best_weights = snapshot(task_.model());
  }
  s.bad_evals = progress ? 0 : s.bad_evals + 1;
  if (plateau_) plateau_->observe(static_cast<float>(m));
  if (options_.patience > 0 && s.bad_evals >= options_.patience) {
    r.result.stopped_early = true;
    r.stop = true;
  }
  log_validation(r, valid, better);
  if (better) save_checkpoint("best.safetensors", s);
}

void Trainer::log_validation(Run& r, const std::map<std::string, double>& valid, bool better) {
  const TrainState& s = r.state;
  const double train_loss = s.mean_epoch_loss();
  if (r.log) {
    std::map<std::string, double> rec = valid;
    rec["epoch"] = static_cast<double>(s.epoch + 1);
    rec["step"] = static_cast<double>(s.global_step);
    rec["train_loss"] = train_loss;
    rec["lr"] = optimizer_->lr();
    rec["rss_mb"] = rss_mib();
    rec["peak_rss_mb"] = peak_rss_mib();
    std::map<std::string, std::string> text = task_.evaluation_text();
    text["split"] = "valid";
    r.log->write(rec, text);
  }
  if (!options_.quiet)
    std::fprintf(stderr, "epoch %lld: train loss %.4f; valid %s%s\n",
                 static_cast<long long>(s.epoch + 1), train_loss, format_metrics(valid).c_str(),
                 better ? " (best)" : "");
}

bool Trainer::end_epoch(Run& r, bool epoch_done) {
  if (!epoch_done) {
    save_checkpoint("last.safetensors", r.state);
    return false;
  }
  r.state.finish_epoch();
  save_checkpoint("last.safetensors", r.state);
  if (options_.keep_epoch_checkpoints) save_epoch_checkpoint(r.state);
  ++r.result.epochs_run;
  return true;
}

void Trainer::test_best(Run& r) {
  const TrainState& s = r.state;
  TrainResult& result = r.result;
  result.steps = s.global_step;
  result.best_epoch = s.best_epoch;
  // The saved evaluation's metric (under metric-and-loss, s.best is the highest seen, saved or
  // not).
  const auto saved_metric = s.best_valid.find(options_.metric);
  result.best_metric = saved_metric != s.best_valid.end() ? saved_metric->second : s.best;
  result.best_valid = s.best_valid;
  if (buckets_) result.communication_seconds = buckets_->wait_seconds();
  if (!options_.test_at_end || s.best_epoch < 0 || result.interrupted) return;
  // The test split is scored once, with the weights of the best validation metric.
  Module& model = task_.model();
  const std::map<std::string, Tensor> saved = snapshot(model);
  if (writes())
    load_module((std::filesystem::path(options_.run_dir) / "best.safetensors").string(), model);
  else if (!r.best_weights.empty())
    model.load_state_dict(r.best_weights);
  result.test = task_.evaluate(EvalSplit::kTest);
  model.load_state_dict(saved);
  if (r.log) {
    std::map<std::string, double> rec = result.test;
    rec["epoch"] = static_cast<double>(s.best_epoch + 1);
    r.log->write(rec, {{"split", "test"}});
  }
}

void Trainer::save_checkpoint(const std::string& name, const TrainState& s) {
  // Every rank's dropout stream, so that a resume on as many ranks continues each one.
  std::vector<std::string> streams;
  if (comm_->size() > 1) streams = comm_->all_gather_bytes(dropout_->state());
  if (!writes()) return;
  std::map<std::string, std::string> meta = options_.metadata;
  json t = s.to_json();
  t["dropout_rng"] = dropout_->state();
  if (comm_->size() > 1) {
    t["ranks"] = comm_->size();
    t["dropout_rngs"] = streams;
  }
  if (plateau_) t["plateau"] = plateau_->state();
  meta[kTrainerStateKey] = t.dump();
  save_module((std::filesystem::path(options_.run_dir) / name).string(), task_.model(), meta,
              optimizer_.get());
}

// After finish_epoch, s.epoch is the number of epochs done: the file of the epoch just ended.
void Trainer::save_epoch_checkpoint(const TrainState& s) {
  if (!writes()) return;
  save_module((std::filesystem::path(options_.run_dir) / epoch_checkpoint_name(s.epoch)).string(),
              task_.model(), options_.metadata);
}

std::string epoch_checkpoint_name(int64_t epoch) {
  return "epoch-" + std::to_string(epoch) + ".safetensors";
}

std::string Trainer::last_path() const {
  return (std::filesystem::path(options_.run_dir) / "last.safetensors").string();
}

float Trainer::scheduled_lr(const TrainState& s) const {
  if (plateau_) return plateau_->lr();
  return schedule_ ? schedule_->lr_at(s.global_step + 1) : options_.lr;
}

bool metric_higher_is_better(const std::string& metric) {
  // Error rates (cer, wer, cer@SPEAKER) fall as a recogniser improves.
  return !(metric == "loss" || metric == "ppl" || metric.rfind("cer", 0) == 0 ||
           metric.rfind("wer", 0) == 0);
}

}  // namespace attend
