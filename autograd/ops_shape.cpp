// Shape ops. reshape is a view (same storage); everything that would need strides materialises,
// so every tensor stays contiguous and row-major.
#include <numeric>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/profiler.h"

namespace attend {

using Grads = std::vector<Tensor>;

Tensor reshape(const Tensor& x, const std::vector<int64_t>& dims) {
  ProfileScope profile_scope("reshape");
  auto requested = [&dims] {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
  };
  auto fail = [&](const std::string& why) {
    return ShapeError("reshape: shape " + requested() + " is invalid for input of shape " +
                      x.shape().str() + " (" + std::to_string(x.numel()) + " elements): " + why);
  };
  std::vector<int64_t> d = dims;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i] == -1) {
      if (infer >= 0) throw fail("only one dimension can be -1");
      infer = static_cast<int>(i);
    } else if (d[i] < 0) {
      throw fail("dimension " + std::to_string(d[i]) + " is negative");
    } else {
      known *= d[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0) throw fail("the -1 dimension cannot be inferred");
    d[infer] = x.numel() / known;
  }
  Shape s{std::span<const int64_t>(d)};
  if (s.numel() != x.numel()) throw fail("element counts differ");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->shape = s;
  Tensor out(std::move(impl));
  return record("reshape", out, {&x},
                [in = x.shape()](const Tensor& g) { return Grads{reshape(g.detach(), in.vec())}; });
}

Tensor flatten(const Tensor& x) {
  return reshape(x, {-1});
}

Tensor unsqueeze(const Tensor& x, int dim) {
  dim = normalize_dim(dim, x.ndim() + 1, "unsqueeze");
  std::vector<int64_t> d = x.shape().vec();
  d.insert(d.begin() + dim, 1);
  return reshape(x, d);
}

Tensor squeeze(const Tensor& x, int dim) {
  dim = normalize_dim(dim, x.ndim(), "squeeze");
  if (x.shape()[dim] != 1) return x;
  std::vector<int64_t> d = x.shape().vec();
  d.erase(d.begin() + dim);
  return reshape(x, d);
}

namespace {
// out = x with dimensions reordered: out.shape[i] = x.shape[perm[i]].
Tensor permute_data(const Tensor& x, const std::vector<int>& perm) {
  const Shape& in = x.shape();
  Shape os;
  for (int p : perm) os.push_back(in[p]);
  Tensor out = Tensor::empty(os);
  auto in_strides = contiguous_strides(in);
  std::array<std::array<int64_t, Shape::kMaxDims>, 1> st{};
  for (size_t i = 0; i < perm.size(); ++i) st[0][i] = in_strides[perm[i]];
  const float* px = x.data();
  float* po = out.data();
  const int64_t s_inner = os.ndim() ? st[0][os.ndim() - 1] : 1;
  kernels::for_each_row<1>(os, st,
                           [&](int64_t o, int64_t inner, const std::array<int64_t, 1>& off) {
                             const float* src = px + off[0];
                             float* dst = po + o;
                             for (int64_t i = 0; i < inner; ++i) dst[i] = src[i * s_inner];
                           });
  return out;
}

std::vector<int> inverse(const std::vector<int>& perm) {
  std::vector<int> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int>(i);
  return inv;
}
}  // namespace

Tensor permute(const Tensor& x, const std::vector<int>& dims) {
  ProfileScope profile_scope("permute");
  if (static_cast<int>(dims.size()) != x.ndim())
    throw ShapeError("permute: " + std::to_string(dims.size()) +
                     " dimensions given for a tensor of shape " + x.shape().str());
  std::vector<int> perm(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    perm[i] = normalize_dim(dims[i], x.ndim(), "permute");
    if (seen[perm[i]])
      throw ShapeError("permute: dimension " + std::to_string(dims[i]) + " repeated");
    seen[perm[i]] = true;
  }
  Tensor out = permute_data(x, perm);
  return record("permute", out, {&x},
                [inv = inverse(perm)](const Tensor& g) { return Grads{permute_data(g, inv)}; });
}

Tensor transpose(const Tensor& x, int d0, int d1) {
  ProfileScope profile_scope("transpose");
  d0 = normalize_dim(d0, x.ndim(), "transpose");
  d1 = normalize_dim(d1, x.ndim(), "transpose");
  if (x.ndim() == 0) return reshape(x, {});
  std::vector<int> perm(x.ndim());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[d0], perm[d1]);
  Tensor out = permute_data(x, perm);
  return record("transpose", out, {&x},
                [perm](const Tensor& g) { return Grads{permute_data(g, perm)}; });
}

Tensor concat(const std::vector<Tensor>& xs, int dim) {
  ProfileScope profile_scope("concat");
  if (xs.empty()) throw ShapeError("concat: no tensors given");
  const Shape& s0 = xs[0].shape();
  for (const Tensor& t : xs)
    if (t.ndim() == 0)
      throw ShapeError("concat: zero-dimensional tensors cannot be concatenated (use stack)");
  dim = normalize_dim(dim, s0.ndim(), "concat");
  Shape os = s0;
  os[dim] = 0;
  for (const Tensor& t : xs) {
    bool ok = t.ndim() == s0.ndim();
    for (int i = 0; ok && i < s0.ndim(); ++i) ok = i == dim || t.shape()[i] == s0[i];
    if (!ok)
      throw ShapeError("concat: shapes " + s0.str() + " and " + t.shape().str() +
                       " differ outside dimension " + std::to_string(dim));
    os[dim] += t.shape()[dim];
  }
  Tensor out = Tensor::empty(os);
  auto sp = kernels::split_at(os, dim);
  std::vector<int64_t> widths;  // each part's n * inner
  int64_t col = 0;
  for (const Tensor& t : xs) {
    const int64_t w = t.shape()[dim] * sp.inner;
    for (int64_t o = 0; o < sp.outer; ++o)
      std::copy_n(t.data() + o * w, w, out.data() + o * sp.n * sp.inner + col);
    widths.push_back(w);
    col += w;
  }
  std::vector<const Tensor*> ins;
  std::vector<bool> need;
  std::vector<Shape> shapes;
  for (const Tensor& t : xs) {
    ins.push_back(&t);
    need.push_back(t.requires_grad());
    shapes.push_back(t.shape());
  }
  return record("concat", out, ins, [sp, widths, need, shapes](const Tensor& g) {
    Grads gs(widths.size());
    int64_t col = 0;
    for (size_t k = 0; k < widths.size(); ++k) {
      const int64_t w = widths[k];
      if (need[k]) {
        gs[k] = Tensor::empty(shapes[k]);
        for (int64_t o = 0; o < sp.outer; ++o)
          std::copy_n(g.data() + o * sp.n * sp.inner + col, w, gs[k].data() + o * w);
      }
      col += w;
    }
    return gs;
  });
}

std::vector<Tensor> unbind(const Tensor& x, int dim) {
  ProfileScope profile_scope("unbind");
  dim = normalize_dim(dim, x.ndim(), "unbind");
  auto sp = kernels::split_at(x.shape(), dim);
  Shape part = x.shape();
  part.erase(dim);
  std::vector<Tensor> outs;
  outs.reserve(sp.n);
  for (int64_t j = 0; j < sp.n; ++j) {
    Tensor t = Tensor::empty(part);
    for (int64_t o = 0; o < sp.outer; ++o)
      std::copy_n(x.data() + (o * sp.n + j) * sp.inner, sp.inner, t.data() + o * sp.inner);
    outs.push_back(std::move(t));
  }
  // One node for all slices: the backward writes each slice's gradient into place (zeros where a
  // slice got none), instead of one zero-filled full-size tensor per slice.
  return record_multi("unbind", std::move(outs), {&x},
                      [shape = x.shape(), sp](const std::vector<Tensor>& g) {
                        Tensor dx = Tensor::empty(shape);
                        for (int64_t j = 0; j < sp.n; ++j)
                          for (int64_t o = 0; o < sp.outer; ++o) {
                            float* dst = dx.data() + (o * sp.n + j) * sp.inner;
                            if (g[j].defined())
                              std::copy_n(g[j].data() + o * sp.inner, sp.inner, dst);
                            else
                              std::fill_n(dst, sp.inner, 0.0f);
                          }
                        return Grads{dx};
                      });
}

Tensor stack(const std::vector<Tensor>& xs, int dim) {
  if (xs.empty()) throw ShapeError("stack: no tensors given");
  dim = normalize_dim(dim, xs[0].ndim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(xs.size());
  for (const Tensor& t : xs) {
    if (!(t.shape() == xs[0].shape()))
      throw ShapeError("stack: shapes " + xs[0].shape().str() + " and " + t.shape().str() +
                       " differ");
    parts.push_back(unsqueeze(t, dim));
  }
  return concat(parts, dim);
}

Tensor narrow(const Tensor& x, int dim, int64_t start, int64_t length) {
  ProfileScope profile_scope("narrow");
  dim = normalize_dim(dim, x.ndim(), "narrow");
  const int64_t n = x.shape()[dim];
  if (start < 0) start += n;
  if (start < 0 || length < 0 || start + length > n)
    throw ShapeError("narrow: range [" + std::to_string(start) + ", " +
                     std::to_string(start + length) + ") out of bounds for dimension " +
                     std::to_string(dim) + " of shape " + x.shape().str());
  auto sp = kernels::split_at(x.shape(), dim);
  Shape os = x.shape();
  os[dim] = length;
  Tensor out = Tensor::empty(os);
  const int64_t w = length * sp.inner;
  for (int64_t o = 0; o < sp.outer; ++o)
    std::copy_n(x.data() + (o * n + start) * sp.inner, w, out.data() + o * w);
  return record("narrow", out, {&x}, [shape = x.shape(), sp, start, w](const Tensor& g) {
    Tensor gx = zeros(shape);
    for (int64_t o = 0; o < sp.outer; ++o)
      std::copy_n(g.data() + o * w, w, gx.data() + (o * sp.n + start) * sp.inner);
    return Grads{gx};
  });
}

Tensor slice(const Tensor& x, int dim, int64_t start, int64_t end) {
  int d = normalize_dim(dim, x.ndim(), "slice");
  const int64_t n = x.shape()[d];
  // Python slice semantics: negative counts from the end, out-of-range ends clamp.
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  return narrow(x, d, start, end - start);
}

}  // namespace attend
