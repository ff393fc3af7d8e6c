// Averaging checkpoints (see checkpoint_average.h).
#include "trainers/checkpoint_average.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "autograd/creation.h"
#include "trainers/text_checkpoint.h"
#include "trainers/trainer.h"

namespace attend {

namespace {

namespace fs = std::filesystem;

// What must be the same in every averaged checkpoint: the same model, fed the same tokens.
constexpr const char* kSameKeys[] = {kConfigKey, kVocabKey, kSubwordModelsKey};

std::string metadata_value(const Checkpoint& ck, const char* key) {
  const auto it = ck.metadata.find(key);
  return it == ck.metadata.end() ? std::string() : it->second;
}

// The epoch number of "epoch-N.safetensors", or -1.
int64_t epoch_of(const std::string& file_name) {
  const std::string prefix = "epoch-", suffix = ".safetensors";
  if (!file_name.starts_with(prefix) || !file_name.ends_with(suffix)) return -1;
  const char* first = file_name.data() + prefix.size();
  const char* last = file_name.data() + file_name.size() - suffix.size();
  int64_t n = -1;
  const auto [end, ec] = std::from_chars(first, last, n);
  return ec == std::errc() && end == last && n >= 1 ? n : -1;
}

}  // namespace

Checkpoint average_checkpoints(const std::vector<std::string>& paths) {
  if (paths.empty()) throw CheckpointError("average: no checkpoints given");
  std::map<std::string, std::vector<double>> sums;  // name -> element sums
  std::map<std::string, Tensor> first_weights;
  Checkpoint last;
  for (size_t k = 0; k < paths.size(); ++k) {
    Checkpoint ck = load_safetensors(paths[k]);
    std::map<std::string, Tensor> weights;
    for (auto& [name, t] : ck.tensors)
      if (!name.starts_with(kOptimizerPrefix)) weights.emplace(name, t);
    if (k == 0) {
      first_weights = weights;
      for (const auto& [name, t] : weights) sums[name].assign(static_cast<size_t>(t.numel()), 0.0);
    } else {
      for (const char* key : kSameKeys)
        if (metadata_value(ck, key) != metadata_value(last, key))
          throw CheckpointError(paths[k] + ": its \"" + key + "\" metadata differs from " +
                                paths[0] + "'s: only checkpoints of one model average");
      for (const auto& [name, t] : weights)
        if (!first_weights.count(name) || first_weights.at(name).shape() != t.shape())
          throw CheckpointError(
              paths[k] + ": tensor '" + name + "' " +
              (first_weights.count(name) ? "has another shape than in " : "is not in ") + paths[0]);
      if (weights.size() != first_weights.size())
        throw CheckpointError(paths[k] + ": holds " + std::to_string(weights.size()) +
                              " weight tensors, " + paths[0] + " " +
                              std::to_string(first_weights.size()));
    }
    for (const auto& [name, t] : weights) {
      std::vector<double>& sum = sums.at(name);
      const float* x = t.data();
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += x[i];
    }
    last = std::move(ck);
  }
  Checkpoint out;
  const double n = static_cast<double>(paths.size());
  for (const auto& [name, sum] : sums) {
    Tensor t = zeros(first_weights.at(name).shape());
    float* y = t.data();
    for (size_t i = 0; i < sum.size(); ++i) y[i] = static_cast<float>(sum[i] / n);
    out.tensors.emplace(name, t);
  }
  out.metadata = last.metadata;
  out.metadata.erase(kTrainerStateKey);
  out.metadata.erase(kChecksumKey);
  out.metadata.erase(kHeaderChecksumKey);
  std::vector<std::string> names;
  for (const auto& p : paths) names.push_back(fs::path(p).filename().string());
  out.metadata["averaged_from"] = nlohmann::json(names).dump();
  return out;
}

std::vector<std::string> last_epoch_checkpoints(const std::string& run_dir, int64_t n) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) throw CheckpointError(run_dir + ": not a run directory");
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& entry : fs::directory_iterator(run_dir, ec))
    if (const int64_t epoch = epoch_of(entry.path().filename().string()); epoch > 0)
      found.emplace_back(epoch, entry.path().string());
  std::sort(found.begin(), found.end());
  if (static_cast<int64_t>(found.size()) < n)
    throw CheckpointError(run_dir + ": has " + std::to_string(found.size()) +
                          " epoch checkpoints (" + epoch_checkpoint_name(1) +
                          ", ...), fewer than the " + std::to_string(n) +
                          " asked for (train with --keep-epoch-checkpoints)");
  std::vector<std::string> out;
  for (size_t i = found.size() - static_cast<size_t>(n); i < found.size(); ++i)
    out.push_back(found[i].second);
  return out;
}

}  // namespace attend
