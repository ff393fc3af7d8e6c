#include "trainers/train_state.h"

#include <algorithm>
#include <cmath>

namespace attend {
namespace {

using json = nlohmann::json;

json number(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}
double number_or(const json& j, const char* key, double fallback) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

}  // namespace

double TrainState::mean_epoch_loss() const {
  return epoch_loss_sum / static_cast<double>(std::max<int64_t>(1, epoch_units));
}

void TrainState::finish_epoch() {
  ++epoch;
  step_in_epoch = 0;
  epoch_loss_sum = 0;
  epoch_units = 0;
}

json TrainState::to_json() const {
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

void TrainState::from_json(const json& j) {
  epoch = j.at("epoch").get<int64_t>();
  step_in_epoch = j.at("step_in_epoch").get<int64_t>();
  global_step = j.at("global_step").get<int64_t>();
  epoch_loss_sum = number_or(j, "epoch_loss_sum", 0);
  epoch_units = j.at("epoch_units").get<int64_t>();
  best = number_or(j, "best", std::nan(""));
  best_loss = number_or(j, "best_loss", std::numeric_limits<double>::infinity());
  best_epoch = j.at("best_epoch").get<int64_t>();
  bad_evals = j.at("bad_evals").get<int64_t>();
  best_valid.clear();
  for (const auto& [k, v] : j.at("best_valid").items())
    best_valid[k] = v.is_number() ? v.get<double>() : std::nan("");
}

}  // namespace attend
