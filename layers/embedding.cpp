#include "layers/embedding.h"

namespace attend {

Embedding::Embedding(int64_t num, int64_t dim, Generator& gen, int64_t pad)
    : num_embeddings(num), embedding_dim(dim), padding_idx(pad) {
  if (pad >= num)
    throw std::invalid_argument("Embedding: padding_idx " + std::to_string(pad) +
                                " must be below " + std::to_string(num));
  Tensor w = randn({num, dim}, gen);
  if (pad >= 0) std::fill_n(w.data() + pad * dim, dim, 0.0f);
  weight = register_parameter("weight", w);
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx >= 0) s += ", padding_idx=" + std::to_string(padding_idx);
  return s;
}

}  // namespace attend
