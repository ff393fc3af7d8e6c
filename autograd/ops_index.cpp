// Indexing ops. Index tensors are float32 tensors of whole numbers; checked_index() validates
// each one so a bad id gives a clear error instead of reading out of bounds.
#include <cmath>
#include <iterator>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"

namespace attend {

using Grads = std::vector<Tensor>;
using kernels::split_at;

int64_t kernels::checked_index(float v, int64_t limit, const char* op) {
  if (!(v >= 0.0f) || v >= static_cast<float>(limit) || v != std::floor(v))
    throw ShapeError(std::string(op) + ": index " + std::to_string(v) +
                     " is not a whole number in [0, " + std::to_string(limit) + ")");
  return static_cast<int64_t>(v);
}

namespace {

std::vector<int64_t> read_indices(const Tensor& index, int64_t limit, const char* op) {
  std::vector<int64_t> idx(index.numel());
  for (int64_t i = 0; i < index.numel(); ++i)
    idx[i] = kernels::checked_index(index.data()[i], limit, op);
  return idx;
}

// out[o, idx[j], i] += src[o, j, i] over [outer, n_src, inner]; out has n_out along the dim.
void index_add_into(float* out, const float* src, const std::vector<int64_t>& idx, int64_t outer,
                    int64_t n_out, int64_t inner) {
  const int64_t n_src = static_cast<int64_t>(idx.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n_src; ++j) {
      float* dst = out + (o * n_out + idx[j]) * inner;
      const float* s = src + (o * n_src + j) * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] += s[i];
    }
}

// out[o, j, i] = x[o, idx[j], i]
Tensor select_rows(const Tensor& x, int dim, const std::vector<int64_t>& idx) {
  auto sp = split_at(x.shape(), dim);
  Shape os = x.shape();
  os[dim] = static_cast<int64_t>(idx.size());
  Tensor out = Tensor::empty(os);
  const int64_t m = static_cast<int64_t>(idx.size());
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t j = 0; j < m; ++j)
      std::copy_n(x.data() + (o * sp.n + idx[j]) * sp.inner, sp.inner,
                  out.data() + (o * m + j) * sp.inner);
  return out;
}

void require_1d_index(const Tensor& index, const char* op) {
  if (index.ndim() != 1)
    throw ShapeError(std::string(op) + ": index must be 1-D, got shape " + index.shape().str());
}

}  // namespace

// Repeated indices, whose gradients accumulate, along each dimension.
const OpInfo index_select_op{
    .name = "index_select", .samples = [] {
      std::vector<Sample> out;
      const Tensor idx = from_indices({2, 0, 2, 1, 0}, {5});
      for (int dim = 0; dim < 3; ++dim)
        out.push_back({.name = "[3, 4, 3] along " + std::to_string(dim) + ", 5 indices",
                       .inputs = {make_input({3, 4, 3}, static_cast<uint64_t>(10 + dim))},
                       .f = [dim, idx](const Inputs& x) { return index_select(x[0], dim, idx); }});
      out.push_back({.name = "[2, 3, 4] along 1, random indices",
                     .inputs = {make_input({2, 3, 4}, 6)},
                     .f = [idx = random_indices({5}, 3, 14)](const Inputs& x) {
                       return index_select(x[0], 1, idx);
                     }});
      out.push_back(
          {.name = "no indices", .inputs = {make_input({3, 4}, 15)}, .f = [](const Inputs& x) {
             return index_select(x[0], 0, from_indices({}, {0}));
           }});
      return out;
    }};

Tensor index_select(const Tensor& x, int dim, const Tensor& index) {
  ProfileScope profile_scope(index_select_op.name);
  dim = normalize_dim(dim, x.ndim(), index_select_op.name);
  require_1d_index(index, index_select_op.name);
  std::vector<int64_t> idx = read_indices(index, x.shape()[dim], index_select_op.name);
  Tensor out = select_rows(x, dim, idx);
  return record(index_select_op, out, {&x},
                [shape = x.shape(), dim, idx = std::move(idx)](const Tensor& g) {
                  auto sp = split_at(shape, dim);
                  Tensor gx = zeros(shape);
                  index_add_into(gx.data(), g.data(), idx, sp.outer, sp.n, sp.inner);
                  return Grads{gx};
                });
}

namespace {
// For gather/scatter: index has the rank of x; position p of index maps to x's flat offset with
// dimension `dim` replaced by index[p]. Calls f(p, x_offset).
template <class F>
void for_each_gather(const Shape& xs, const Tensor& index, int dim, const char* op, F f) {
  if (index.ndim() != xs.ndim())
    throw ShapeError(std::string(op) + ": index of shape " + index.shape().str() +
                     " must have the rank of " + xs.str());
  for (int d = 0; d < xs.ndim(); ++d)
    if (d != dim && index.shape()[d] > xs[d])
      throw ShapeError(std::string(op) + ": index shape " + index.shape().str() + " exceeds " +
                       xs.str() + " in dimension " + std::to_string(d));
  auto xst = contiguous_strides(xs);
  auto ist = contiguous_strides(index.shape());
  const float* pi = index.data();
  for (int64_t p = 0, n = index.numel(); p < n; ++p) {
    int64_t rem = p, off = 0;
    for (int d = 0; d < xs.ndim(); ++d) {
      int64_t c = rem / ist[d];
      rem -= c * ist[d];
      off += (d == dim ? kernels::checked_index(pi[p], xs[dim], op) : c) * xst[d];
    }
    f(p, off);
  }
}
}  // namespace

// Along each dimension of [3, 4, 5], with an index longer than x along dim (values repeat) and
// shorter in another dimension (allowed, as in torch.gather).
const OpInfo gather_op{
    .name = "gather", .samples = [] {
      std::vector<Sample> out;
      const Shape index_shape[3] = {{5, 2, 4}, {2, 6, 3}, {3, 3, 7}};
      const Shape x_shape{3, 4, 5};
      for (int dim = 0; dim < 3; ++dim)
        out.push_back(
            {.name = "[3, 4, 5] along " + std::to_string(dim) + ", index " + index_shape[dim].str(),
             .inputs = {make_input(x_shape, static_cast<uint64_t>(60 + dim))},
             .f = [dim, idx = random_indices(index_shape[dim], x_shape[dim],
                                             static_cast<uint64_t>(30 + dim))](const Inputs& x) {
               return gather(x[0], dim, idx);
             }});
      out.push_back({.name = "[2, 3, 4] along 2, index [2, 3, 6]",
                     .inputs = {make_input({2, 3, 4}, 6)},
                     .f = [idx = random_indices({2, 3, 6}, 4, 15)](const Inputs& x) {
                       return gather(x[0], 2, idx);
                     }});
      return out;
    }};

Tensor gather(const Tensor& x, int dim, const Tensor& index) {
  ProfileScope profile_scope(gather_op.name);
  dim = normalize_dim(dim, x.ndim(), gather_op.name);
  Tensor out = Tensor::empty(index.shape());
  std::vector<int64_t> offsets(index.numel());
  for_each_gather(x.shape(), index, dim, gather_op.name, [&](int64_t p, int64_t off) {
    offsets[p] = off;
    out.data()[p] = x.data()[off];
  });
  return record(gather_op, out, {&x},
                [shape = x.shape(), offsets = std::move(offsets)](const Tensor& g) {
                  Tensor gx = zeros(shape);
                  for (size_t p = 0; p < offsets.size(); ++p) gx.data()[offsets[p]] += g.data()[p];
                  return Grads{gx};
                });
}

// src at least as large as index (its extra elements unused); index fits self off dim.
const OpInfo scatter_add_op{
    .name = "scatter_add", .samples = [] {
      struct Case {
        int dim;
        Shape self, index, src;
      };
      const Case cases[] = {{0, {3, 4}, {5, 3}, {5, 4}},
                            {1, {3, 4}, {2, 6}, {3, 6}},
                            {1, {2, 3, 4}, {2, 5, 3}, {2, 5, 4}},
                            {-1, {2, 3, 4}, {2, 2, 6}, {2, 3, 6}},
                            {1, {3, 4}, {3, 5}, {3, 5}}};
      const uint64_t seeds[][3] = {
          {100, 140, 150}, {101, 141, 151}, {102, 142, 152}, {103, 143, 153}, {18, 16, 17}};
      std::vector<Sample> out;
      for (size_t k = 0; k < std::size(cases); ++k) {
        const Case& c = cases[k];
        const int dim = c.dim < 0 ? c.dim + c.self.ndim() : c.dim;
        Tensor idx = random_indices(c.index, c.self[dim], seeds[k][0]);
        out.push_back(
            {.name = "self " + c.self.str() + " along " + std::to_string(c.dim) + ", index " +
                     c.index.str() + ", src " + c.src.str(),
             .inputs = {make_input(c.self, seeds[k][1]), make_input(c.src, seeds[k][2])},
             .f = [d = c.dim, idx](const Inputs& x) { return scatter_add(x[0], d, idx, x[1]); }});
      }
      return out;
    }};

Tensor scatter_add(const Tensor& self, int dim, const Tensor& index, const Tensor& src) {
  ProfileScope profile_scope(scatter_add_op.name);
  dim = normalize_dim(dim, self.ndim(), scatter_add_op.name);
  bool fits = index.ndim() == src.ndim();
  for (int d = 0; fits && d < index.ndim(); ++d) fits = index.shape()[d] <= src.shape()[d];
  if (!fits)
    throw ShapeError(std::string(scatter_add_op.name) + ": index shape " + index.shape().str() +
                     " does not fit src shape " + src.shape().str() +
                     " (same rank, each dimension at most src's)");
  Tensor out = kernels::copy_of(self);
  auto sst = contiguous_strides(src.shape());
  auto ist = contiguous_strides(index.shape());
  // src position for index position p (src may be larger than index).
  auto src_offset = [&](int64_t p) {
    int64_t rem = p, off = 0;
    for (int d = 0; d < index.ndim(); ++d) {
      int64_t c = rem / ist[d];
      rem -= c * ist[d];
      off += c * sst[d];
    }
    return off;
  };
  std::vector<std::pair<int64_t, int64_t>> pairs(index.numel());  // (out offset, src offset)
  for_each_gather(self.shape(), index, dim, scatter_add_op.name, [&](int64_t p, int64_t off) {
    pairs[p] = {off, src_offset(p)};
    out.data()[off] += src.data()[pairs[p].second];
  });
  const bool gs = self.requires_grad(), gsrc = src.requires_grad();
  return record(scatter_add_op, out, {&self, &src},
                [gs, gsrc, src_shape = src.shape(), pairs = std::move(pairs)](const Tensor& g) {
                  Tensor gsrc_t;
                  if (gsrc) {
                    gsrc_t = zeros(src_shape);
                    for (auto [o, s] : pairs) gsrc_t.data()[s] += g.data()[o];
                  }
                  return Grads{gs ? g : Tensor(), gsrc_t};
                });
}

const OpInfo index_add_op{
    .name = "index_add", .samples = [] {
      struct Case {
        int dim;
        Shape self, source;
        std::vector<int64_t> idx;
        uint64_t seed_self, seed_source;
      };
      const Case cases[] = {{0, {4, 3}, {5, 3}, {1, 3, 1, 0, 1}, 230, 240},
                            {1, {3, 4}, {3, 5}, {3, 3, 0, 2, 3}, 231, 241},
                            {1, {2, 3, 2}, {2, 4, 2}, {2, 2, 0, 2}, 232, 242},
                            {0, {4, 3}, {5, 3}, {2, 0, 2, 3, 0}, 19, 20}};
      std::vector<Sample> out;
      for (const Case& c : cases) {
        Tensor idx = from_indices(c.idx, {static_cast<int64_t>(c.idx.size())});
        out.push_back(
            {.name = "self " + c.self.str() + " along " + std::to_string(c.dim) + ", source " +
                     c.source.str() + ", index " + idx.shape().str() + " from " +
                     std::to_string(c.seed_self),
             .inputs = {make_input(c.self, c.seed_self), make_input(c.source, c.seed_source)},
             .f = [d = c.dim, idx](const Inputs& x) { return index_add(x[0], d, idx, x[1]); }});
      }
      return out;
    }};

Tensor index_add(const Tensor& self, int dim, const Tensor& index, const Tensor& source) {
  ProfileScope profile_scope(index_add_op.name);
  dim = normalize_dim(dim, self.ndim(), index_add_op.name);
  require_1d_index(index, index_add_op.name);
  bool ok = source.ndim() == self.ndim() && source.shape()[dim] == index.numel();
  for (int d = 0; ok && d < self.ndim(); ++d) ok = d == dim || source.shape()[d] == self.shape()[d];
  if (!ok)
    throw ShapeError(std::string(index_add_op.name) + ": source of shape " + source.shape().str() +
                     " does not match self " + self.shape().str() + " with " +
                     std::to_string(index.numel()) + " indices along dimension " +
                     std::to_string(dim));
  std::vector<int64_t> idx = read_indices(index, self.shape()[dim], index_add_op.name);
  Tensor out = kernels::copy_of(self);
  auto sp = split_at(self.shape(), dim);
  index_add_into(out.data(), source.data(), idx, sp.outer, sp.n, sp.inner);
  const bool gs = self.requires_grad(), gsrc = source.requires_grad();
  return record(index_add_op, out, {&self, &source},
                [gs, gsrc, dim, idx = std::move(idx)](const Tensor& g) {
                  return Grads{gs ? g : Tensor(), gsrc ? select_rows(g, dim, idx) : Tensor()};
                });
}

// Masks that broadcast over different dimensions; any nonzero masks; nothing masked.
const OpInfo masked_fill_op{
    .name = "masked_fill", .samples = [] {
      struct Case {
        Shape mask_shape;
        std::vector<float> mask;
        uint64_t seed;
      };
      const Case cases[] = {{{3, 1}, {1, 0, 1}, 320},
                            {{1, 4}, {0, 1, 0, 2}, 321},
                            {{2, 1, 4}, {1, 0, 0, 0, 0, 0, 1, -1}, 322},
                            {{2, 3, 4}, std::vector<float>(24, 0), 323},
                            {{2, 1, 4}, {1, 0, 0, 1, 0, 1, 1, 0}, 6}};
      std::vector<Sample> out;
      for (const Case& c : cases)
        out.push_back({.name = "[2, 3, 4] with mask " + c.mask_shape.str() + " from " +
                               std::to_string(c.seed),
                       .inputs = {make_input({2, 3, 4}, c.seed)},
                       .f = [mask = from_vector(c.mask, c.mask_shape)](const Inputs& x) {
                         return masked_fill(x[0], mask, 3.0f);
                       }});
      return out;
    }};

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
  ProfileScope profile_scope(masked_fill_op.name);
  Shape os = broadcast_shapes(x.shape(), mask.shape(), masked_fill_op.name);
  if (!(os == x.shape()))
    throw ShapeError(std::string(masked_fill_op.name) + ": mask of shape " + mask.shape().str() +
                     " does not broadcast to " + x.shape().str());
  // 1 where kept, 0 where filled: the forward and the gradient mask in one.
  Tensor keep = kernels::broadcast_zip(x, mask, masked_fill_op.name,
                                       [](float, float m) { return m != 0.0f ? 0.0f : 1.0f; });
  Tensor out = kernels::zip(x, keep, [value](float v, float k) { return k != 0.0f ? v : value; });
  return record(masked_fill_op, out, {&x}, [keep](const Tensor& g) {
    return Grads{kernels::zip(g, keep, [](float gv, float k) { return gv * k; })};
  });
}

// cond, a and b all broadcast; no operand of the output's shape; a one-element operand.
const OpInfo where_op{.name = "where", .samples = [] {
                        auto with = [](Tensor cond) {
                          return [cond](const Inputs& x) { return where(cond, x[0], x[1]); };
                        };
                        return std::vector<Sample>{
                            {.name = "cond [2, 1, 4], a [3, 1], b [1, 3, 4]",
                             .inputs = {make_input({3, 1}, 403), make_input({1, 3, 4}, 404)},
                             .f = with(from_vector({1, 0, 0, 2, 0, -1, 1, 0}, {2, 1, 4}))},
                            {.name = "cond [2, 2], a [2, 2], b [1]",
                             .inputs = {make_input({2, 2}, 410), make_input({1}, 411)},
                             .f = with(from_vector({1, 0, 0, 1}, {2, 2}))},
                            {.name = "cond [2, 3, 1] larger than a [1] and b [3, 1]",
                             .inputs = {make_input({1}, 412), make_input({3, 1}, 413)},
                             .f = with(from_vector({0, 1, 1, 0, 1, 0}, {2, 3, 1}))},
                            {.name = "cond [3, 4], a [3, 1], b [1, 3, 4]",
                             .inputs = {make_input({3, 1}, 21), make_input({1, 3, 4}, 22)},
                             .f = with(from_vector({1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0}, {3, 4}))}};
                      }};

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope(where_op.name);
  Shape os = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), where_op.name), b.shape(),
                              where_op.name);
  auto expand = [&os](const Tensor& t) {
    return t.shape() == os ? t
                           : kernels::broadcast_zip(zeros(os), t, where_op.name,
                                                    [](float, float v) { return v; });
  };
  Tensor c = expand(cond), ea = expand(a), eb = expand(b);
  Tensor out =
      kernels::zip3(c, ea, eb, [](float cv, float av, float bv) { return cv != 0.0f ? av : bv; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(
      where_op, out, {&a, &b}, [c, ga, gb, sa = a.shape(), sb = b.shape()](const Tensor& g) {
        Tensor g_a, g_b;
        if (ga)
          g_a = sum_to(
              kernels::zip(g, c, [](float gv, float cv) { return cv != 0.0f ? gv : 0.0f; }), sa);
        if (gb)
          g_b = sum_to(
              kernels::zip(g, c, [](float gv, float cv) { return cv != 0.0f ? 0.0f : gv; }), sb);
        return Grads{g_a, g_b};
      });
}

// Repeated ids accumulate. The padding row gets no gradient by design (not the derivative), so the
// samples with a padding_idx avoid it.
const OpInfo embedding_op{
    .name = "embedding", .samples = [] {
      const Tensor ids = from_indices({1, 4, 1, 0, 1, 2, 4, 4}, {2, 2, 2});
      return std::vector<Sample>{
          {.name = "[5, 3] at ids [2, 2, 2]",
           .inputs = {make_input({5, 3}, 520)},
           .f = [ids](const Inputs& x) { return embedding(x[0], ids); }},
          {.name = "[5, 3] at ids [2, 2, 2], padding_idx 3 unused",
           .inputs = {make_input({5, 3}, 521)},
           .f = [ids](const Inputs& x) { return embedding(x[0], ids, 3); }},
          {.name = "[5, 3] at ids [2, 2, 2], another draw",
           .inputs = {make_input({5, 3}, 23)},
           .f = [ids](const Inputs& x) { return embedding(x[0], ids); }},
          {.name = "[5, 3] at ids [2, 4], padding_idx 3 unused",
           .inputs = {make_input({5, 3}, 23)},
           .f = [ids = from_indices({1, 4, 1, 0, 0, 2, 2, 4}, {2, 4})](
                    const Inputs& x) { return embedding(x[0], ids, 3); }},
          {.name = "no ids", .inputs = {make_input({5, 3}, 24)}, .f = [](const Inputs& x) {
             return embedding(x[0], from_indices({}, {0, 2}));
           }}};
    }};

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx) {
  ProfileScope profile_scope(embedding_op.name);
  if (weight.ndim() != 2)
    throw ShapeError(std::string(embedding_op.name) +
                     ": weight must be [num_embeddings, dim], got " + weight.shape().str());
  const int64_t v = weight.shape()[0], d = weight.shape()[1];
  std::vector<int64_t> idx = read_indices(indices, v, embedding_op.name);
  Shape os = indices.shape();
  os.push_back(d);
  Tensor out = Tensor::empty(os);
  for (size_t j = 0; j < idx.size(); ++j)
    std::copy_n(weight.data() + idx[j] * d, d, out.data() + j * d);
  return record(embedding_op, out, {&weight},
                [v, d, padding_idx, idx = std::move(idx)](const Tensor& g) {
                  Tensor gw = zeros({v, d});
                  for (size_t j = 0; j < idx.size(); ++j) {
                    if (idx[j] == padding_idx) continue;
                    float* dst = gw.data() + idx[j] * d;
                    const float* src = g.data() + j * d;
                    for (int64_t i = 0; i < d; ++i) dst[i] += src[i];
                  }
                  return Grads{gw};
                });
}

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_index_op_infos() {
  return {&index_select_op, &gather_op, &scatter_add_op, &index_add_op,
          &masked_fill_op,  &where_op,  &embedding_op};
}

}  // namespace attend
