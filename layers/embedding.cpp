#include "layers/embedding.h"

#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

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

// --- descriptor ----------------------------------------------------------------------------------

// Repeated ids. The padding row deliberately gets no gradient (torch.nn.Embedding), which is not
// the true derivative, so the samples' ids avoid it. Fixture: padding_idx and repeated ids; the
// forward is a copy, so exact (atol 0, rtol 0); the weight gradient sums repeated ids (at most 3
// terms) and must be exactly zero on the padding row: atol 1e-6, rtol 1e-6.
const LayerInfo embedding_layer{
    .name = "Embedding",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          Generator gen(4);
          auto m = std::make_shared<Embedding>(5, 3, gen, /*padding_idx=*/0);
          out.push_back(layer_sample("5 x 3 at ids [2, 3]", m, {},
                                     [m, ids = from_indices({1, 4, 3, 2, 4, 4}, {2, 3})](
                                         const Inputs&) { return m->forward(ids); }));
          Generator g(3);
          auto e = std::make_shared<Embedding>(6, 3, g, /*padding_idx=*/0);
          out.push_back(layer_sample("6 x 3 at ids [2, 3], another draw", e, {},
                                     [e, ids = from_indices({1, 2, 4, 1, 5, 3}, {2, 3})](
                                         const Inputs&) { return e->forward(ids); }));
          return out;
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{layer_fixture(
              "layers.txt", "embedding_pad",
              [](const FixtureTensors& t) {
                Generator gen(1);
                return std::make_shared<Embedding>(
                    t.iopt("num_embeddings"), t.iopt("embedding_dim"), gen, t.iopt("padding_idx"));
              },
              {}, {"ids"},
              [](Module& m, const std::map<std::string, Tensor>& in) {
                return std::vector<std::pair<std::string, Tensor>>{
                    {"y", static_cast<Embedding&>(m).forward(in.at("ids"))}};
              },
              {0.0f, 0.0f}, {1e-6f, 1e-6f})};
        }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> embedding_layer_infos() {
  return {&embedding_layer};
}

}  // namespace attend
