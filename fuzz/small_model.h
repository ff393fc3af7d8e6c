// The model fuzz_checkpoint loads checkpoints into, and make_seeds writes its seed checkpoint
// from: a two-layer GAT node classifier with 3 features and 2 classes (about 40 weights), trained
// with Adam so the optimizer has state to load as well.
#pragma once

#include <memory>

#include "models/registry.h"
#include "trainers/optim.h"

namespace attend::fuzz {

inline std::shared_ptr<Module> small_model() {
  Generator init(7);
  const Hyperparams hp(find_model("gat").hyperparams,
                       {{"layers", "2"}, {"hidden", "2"}, {"heads", "2"}, {"out-heads", "1"}});
  ModelDims dims;
  dims.num_features = 3;
  dims.num_classes = 2;
  return create_model("gat", hp, dims, init, std::make_shared<Generator>(8));
}

inline std::unique_ptr<Optimizer> small_optimizer(const Module& model) {
  return std::make_unique<Adam>(model.parameters(), AdamOptions{});
}

}  // namespace attend::fuzz
