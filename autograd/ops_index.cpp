// Indexing ops. Index tensors are float32 tensors of whole numbers; checked_index() validates
// each one so a bad id gives a clear error instead of reading out of bounds.
#include <cmath>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/profiler.h"

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

Tensor index_select(const Tensor& x, int dim, const Tensor& index) {
  ProfileScope profile_scope("index_select");
  dim = normalize_dim(dim, x.ndim(), "index_select");
  require_1d_index(index, "index_select");
  std::vector<int64_t> idx = read_indices(index, x.shape()[dim], "index_select");
  Tensor out = select_rows(x, dim, idx);
  return record("index_select", out, {&x},
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

Tensor gather(const Tensor& x, int dim, const Tensor& index) {
  ProfileScope profile_scope("gather");
  dim = normalize_dim(dim, x.ndim(), "gather");
  Tensor out = Tensor::empty(index.shape());
  std::vector<int64_t> offsets(index.numel());
  for_each_gather(x.shape(), index, dim, "gather", [&](int64_t p, int64_t off) {
    offsets[p] = off;
    out.data()[p] = x.data()[off];
  });
  return record("gather", out, {&x},
                [shape = x.shape(), offsets = std::move(offsets)](const Tensor& g) {
                  Tensor gx = zeros(shape);
                  for (size_t p = 0; p < offsets.size(); ++p) gx.data()[offsets[p]] += g.data()[p];
                  return Grads{gx};
                });
}

Tensor scatter_add(const Tensor& self, int dim, const Tensor& index, const Tensor& src) {
  ProfileScope profile_scope("scatter_add");
  dim = normalize_dim(dim, self.ndim(), "scatter_add");
  bool fits = index.ndim() == src.ndim();
  for (int d = 0; fits && d < index.ndim(); ++d) fits = index.shape()[d] <= src.shape()[d];
  if (!fits)
    throw ShapeError("scatter_add: index shape " + index.shape().str() +
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
  for_each_gather(self.shape(), index, dim, "scatter_add", [&](int64_t p, int64_t off) {
    pairs[p] = {off, src_offset(p)};
    out.data()[off] += src.data()[pairs[p].second];
  });
  const bool gs = self.requires_grad(), gsrc = src.requires_grad();
  return record("scatter_add", out, {&self, &src},
                [gs, gsrc, src_shape = src.shape(), pairs = std::move(pairs)](const Tensor& g) {
                  Tensor gsrc_t;
                  if (gsrc) {
                    gsrc_t = zeros(src_shape);
                    for (auto [o, s] : pairs) gsrc_t.data()[s] += g.data()[o];
                  }
                  return Grads{gs ? g : Tensor(), gsrc_t};
                });
}

Tensor index_add(const Tensor& self, int dim, const Tensor& index, const Tensor& source) {
  ProfileScope profile_scope("index_add");
  dim = normalize_dim(dim, self.ndim(), "index_add");
  require_1d_index(index, "index_add");
  bool ok = source.ndim() == self.ndim() && source.shape()[dim] == index.numel();
  for (int d = 0; ok && d < self.ndim(); ++d) ok = d == dim || source.shape()[d] == self.shape()[d];
  if (!ok)
    throw ShapeError("index_add: source of shape " + source.shape().str() +
                     " does not match self " + self.shape().str() + " with " +
                     std::to_string(index.numel()) + " indices along dimension " +
                     std::to_string(dim));
  std::vector<int64_t> idx = read_indices(index, self.shape()[dim], "index_add");
  Tensor out = kernels::copy_of(self);
  auto sp = split_at(self.shape(), dim);
  index_add_into(out.data(), source.data(), idx, sp.outer, sp.n, sp.inner);
  const bool gs = self.requires_grad(), gsrc = source.requires_grad();
  return record("index_add", out, {&self, &source},
                [gs, gsrc, dim, idx = std::move(idx)](const Tensor& g) {
                  return Grads{gs ? g : Tensor(), gsrc ? select_rows(g, dim, idx) : Tensor()};
                });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
  ProfileScope profile_scope("masked_fill");
  Shape os = broadcast_shapes(x.shape(), mask.shape(), "masked_fill");
  if (!(os == x.shape()))
    throw ShapeError("masked_fill: mask of shape " + mask.shape().str() +
                     " does not broadcast to " + x.shape().str());
  // 1 where kept, 0 where filled: the forward and the gradient mask in one.
  Tensor keep = kernels::broadcast_zip(x, mask, "masked_fill",
                                       [](float, float m) { return m != 0.0f ? 0.0f : 1.0f; });
  Tensor out = kernels::zip(x, keep, [value](float v, float k) { return k != 0.0f ? v : value; });
  return record("masked_fill", out, {&x}, [keep](const Tensor& g) {
    return Grads{kernels::zip(g, keep, [](float gv, float k) { return gv * k; })};
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope("where");
  Shape os =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  auto expand = [&os](const Tensor& t) {
    return t.shape() == os
               ? t
               : kernels::broadcast_zip(zeros(os), t, "where", [](float, float v) { return v; });
  };
  Tensor c = expand(cond), ea = expand(a), eb = expand(b);
  Tensor out =
      kernels::zip3(c, ea, eb, [](float cv, float av, float bv) { return cv != 0.0f ? av : bv; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(
      "where", out, {&a, &b}, [c, ga, gb, sa = a.shape(), sb = b.shape()](const Tensor& g) {
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

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx) {
  ProfileScope profile_scope("embedding");
  if (weight.ndim() != 2)
    throw ShapeError("embedding: weight must be [num_embeddings, dim], got " +
                     weight.shape().str());
  const int64_t v = weight.shape()[0], d = weight.shape()[1];
  std::vector<int64_t> idx = read_indices(indices, v, "embedding");
  Shape os = indices.shape();
  os.push_back(d);
  Tensor out = Tensor::empty(os);
  for (size_t j = 0; j < idx.size(); ++j)
    std::copy_n(weight.data() + idx[j] * d, d, out.data() + j * d);
  return record("embedding", out, {&weight},
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

}  // namespace attend
