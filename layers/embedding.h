// Embedding: a table of vectors looked up by id, as torch.nn.Embedding.
#pragma once

#include "layers/module.h"

namespace attend {

class Embedding : public UnaryModule {
 public:
  // weight [num, dim] ~ N(0, 1); the padding_idx row (if >= 0) starts at zero and gets no gradient.
  Embedding(int64_t num_embeddings, int64_t embedding_dim, Generator& gen,
            int64_t padding_idx = -1);
  // ids [...] (whole numbers in a float tensor) -> [..., dim]
  Tensor forward(const Tensor& ids) override { return embedding(weight, ids, padding_idx); }
  // Shares the table [num, dim] with another module's parameter (a joint source/target
  // vocabulary's one embedding, fairseq's share_all_embeddings).
  void tie_weight(const Tensor& shared) { weight = tie_parameter("weight", shared); }
  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;

  int64_t num_embeddings, embedding_dim, padding_idx;
  Tensor weight;  // [num, dim]
};

}  // namespace attend
