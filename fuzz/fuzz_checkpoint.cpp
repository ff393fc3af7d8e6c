// The checkpoint reader: the input is a safetensors file. It is read as tensors
// (load_safetensors), loaded into a small GAT and its Adam state (load_module, so names and
// shapes that do not fit are exercised), and rebuilt as the experiment its "config" and "vocab"
// metadata describe (Experiment::from_checkpoint, which builds any registered model from the
// JSON there), without data.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "datasets/data_error.h"
#include "fuzz_util.h"
#include "small_model.h"
#include "trainers/checkpoint.h"
#include "trainers/experiment.h"

using namespace attend;

namespace {

// State by name, copied (as bits: a NaN compares equal to itself).
std::map<std::string, std::vector<uint32_t>> values(const std::map<std::string, Tensor>& state) {
  std::map<std::string, std::vector<uint32_t>> out;
  for (const auto& [name, t] : state) {
    std::vector<uint32_t>& v = out[name];
    v.resize(static_cast<size_t>(t.numel()));
    std::memcpy(v.data(), t.data(), v.size() * sizeof(float));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      fuzz::write_file("model.safetensors", {reinterpret_cast<const char*>(data), size});
  try {
    const Checkpoint ck = load_safetensors(path);
    for (const auto& [name, t] : ck.tensors) ATTEND_FUZZ_CHECK(!name.empty() && t.defined());
  } catch (const CheckpointError&) {
    return 0;  // every later step reads the file the same way first
  }
  {
    const std::shared_ptr<Module> model = fuzz::small_model();
    const std::unique_ptr<Optimizer> optimizer = fuzz::small_optimizer(*model);
    const auto model_before = values(model->state_dict());
    const auto optimizer_before = values(optimizer->state_dict());
    try {
      load_module(path, *model, optimizer.get());
    } catch (const CheckpointError&) {
      // A failed load changes nothing.
      ATTEND_FUZZ_CHECK(values(model->state_dict()) == model_before);
      ATTEND_FUZZ_CHECK(values(optimizer->state_dict()) == optimizer_before);
    }
    try {
      load_module(path, *model);
    } catch (const CheckpointError&) {
    }
  }
  try {
    Experiment e = Experiment::from_checkpoint(path, "-");
    ATTEND_FUZZ_CHECK(!e.model_name().empty());
    ATTEND_FUZZ_CHECK(!e.checkpoint_metadata().empty());
  } catch (const CheckpointError&) {
  } catch (const DataError&) {
  } catch (const HyperparamError&) {
  }
  return 0;
}
