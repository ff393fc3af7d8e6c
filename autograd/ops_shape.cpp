// Shape ops. reshape is a view (same storage); everything that would need strides materialises,
// so every tensor stays contiguous and row-major.
#include <algorithm>
#include <numeric>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"

namespace attend {

using Grads = std::vector<Tensor>;

// reshape and what is built on it: view, flatten, unsqueeze, squeeze.
const OpInfo reshape_op{
    .name = "reshape", .samples = [] {
      const Tensor x = make_input({2, 3, 4}, 1), cube = make_input({2, 3, 4}, 6);
      std::vector<Sample> out = {
          {.name = "[2, 3, 4] to [4, -1]",
           .inputs = {x},
           .f =
               [](const Inputs& v) {
                 return reshape(v[0], {4, -1});
               }},
          {.name = "[2, 3, 4] to [4, -1], another draw",
           .inputs = {cube},
           .f =
               [](const Inputs& v) {
                 return reshape(v[0], {4, -1});
               }},
          {.name = "view [-1]",
           .inputs = {x},
           .f = [](const Inputs& v) { return view(v[0], {-1}); }},
          {.name = "flatten", .inputs = {x}, .f = [](const Inputs& v) { return flatten(v[0]); }},
          {.name = "flatten, another draw",
           .inputs = {cube},
           .f = [](const Inputs& v) { return flatten(v[0]); }},
          {.name = "0-d to [1, 1, 1]",
           .inputs = {make_input({}, 2)},
           .f =
               [](const Inputs& v) {
                 return reshape(v[0], {1, 1, 1});
               }},
          {.name = "empty [0, 3] to [3, 0]",
           .inputs = {make_input({0, 3}, 3)},
           .f =
               [](const Inputs& v) {
                 return reshape(v[0], {3, 0});
               }},
          {.name = "unsqueeze [2, 3, 4] at 1",
           .inputs = {cube},
           .f = [](const Inputs& v) { return unsqueeze(v[0], 1); }},
          {.name = "squeeze [2, 1, 3] at 1",
           .inputs = {make_input({2, 1, 3}, 8)},
           .f = [](const Inputs& v) { return squeeze(v[0], 1); }},
          {.name = "squeeze [2, 1, 3, 1] at 1",
           .inputs = {make_input({2, 1, 3, 1}, 20)},
           .f = [](const Inputs& v) { return squeeze(v[0], 1); }},
          // Not size 1: squeeze returns x itself.
          {.name = "squeeze [2, 1, 3, 1] at 0",
           .inputs = {make_input({2, 1, 3, 1}, 21)},
           .f = [](const Inputs& v) { return squeeze(v[0], 0); }},
      };
      for (int d = -3; d <= 2; ++d)
        out.push_back({.name = "unsqueeze [2, 3] at " + std::to_string(d),
                       .inputs = {make_input({2, 3}, static_cast<uint64_t>(10 + d))},
                       .f = [d](const Inputs& v) { return unsqueeze(v[0], d); }});
      return out;
    }};

Tensor reshape(const Tensor& x, const std::vector<int64_t>& dims) {
  ProfileScope profile_scope(reshape_op.name);
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
  return record(reshape_op, out, {&x},
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

// Every permutation of three dimensions, one of four that is not its own inverse.
const OpInfo permute_op{
    .name = "permute", .samples = [] {
      std::vector<Sample> out;
      const Tensor x = make_input({2, 3, 4}, 40);
      std::vector<int> perm = {0, 1, 2};
      do {
        out.push_back({.name = "[2, 3, 4] to {" + std::to_string(perm[0]) + ", " +
                               std::to_string(perm[1]) + ", " + std::to_string(perm[2]) + "}",
                       .inputs = {x},
                       .f = [perm](const Inputs& v) { return permute(v[0], perm); }});
      } while (std::next_permutation(perm.begin(), perm.end()));
      out.push_back({.name = "[2, 3, 4, 5] to {3, 0, 1, 2}",
                     .inputs = {make_input({2, 3, 4, 5}, 41)},
                     .f = [](const Inputs& v) {
                       return permute(v[0], {3, 0, 1, 2});
                     }});
      out.push_back({.name = "[2, 3, 4] to {1, 2, 0}, another draw",
                     .inputs = {make_input({2, 3, 4}, 6)},
                     .f = [](const Inputs& v) {
                       return permute(v[0], {1, 2, 0});
                     }});
      return out;
    }};

Tensor permute(const Tensor& x, const std::vector<int>& dims) {
  ProfileScope profile_scope(permute_op.name);
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
  return record(permute_op, out, {&x},
                [inv = inverse(perm)](const Tensor& g) { return Grads{permute_data(g, inv)}; });
}

const OpInfo transpose_op{
    .name = "transpose", .samples = [] {
      std::vector<Sample> out;
      const Tensor x = make_input({2, 3, 4}, 30);
      const std::pair<int, int> pairs[] = {{0, 1},  {0, 2},  {1, 2},   {2, 0},
                                           {-1, 0}, {1, -1}, {-3, -2}, {1, 1}};
      for (auto [d0, d1] : pairs)
        out.push_back(
            {.name = "[2, 3, 4] dims " + std::to_string(d0) + ", " + std::to_string(d1),
             .inputs = {x},
             .f = [d0 = d0, d1 = d1](const Inputs& v) { return transpose(v[0], d0, d1); }});
      out.push_back({.name = "[2, 3, 4] dims 0, 2, another draw",
                     .inputs = {make_input({2, 3, 4}, 6)},
                     .f = [](const Inputs& v) { return transpose(v[0], 0, 2); }});
      out.push_back({.name = "0-d", .inputs = {make_input({}, 31)}, .f = [](const Inputs& v) {
                       return transpose(v[0], 0, -1);
                     }});
      return out;
    }};

Tensor transpose(const Tensor& x, int d0, int d1) {
  ProfileScope profile_scope(transpose_op.name);
  d0 = normalize_dim(d0, x.ndim(), "transpose");
  d1 = normalize_dim(d1, x.ndim(), "transpose");
  if (x.ndim() == 0) return reshape(x, {});
  std::vector<int> perm(x.ndim());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[d0], perm[d1]);
  Tensor out = permute_data(x, perm);
  return record(transpose_op, out, {&x},
                [perm](const Tensor& g) { return Grads{permute_data(g, perm)}; });
}

// concat and stack (unsqueeze + concat): along every dimension; inputs not requiring grad; an
// empty part.
const OpInfo concat_op{
    .name = "concat", .samples = [] {
      std::vector<Sample> out;
      const OpFn along1 = [](const Inputs& v) { return concat(v, 1); };
      for (int d = -3; d <= 2; ++d) {
        // Three inputs of sizes 1, 2 and 3 along d, [2, 3, 4] elsewhere.
        Inputs parts;
        for (int k = 0; k < 3; ++k) {
          std::vector<int64_t> s = {2, 3, 4};
          s[d < 0 ? d + 3 : d] = k + 1;
          parts.push_back(make_input(Shape(s), static_cast<uint64_t>(50 + k)));
        }
        out.push_back({.name = "sizes 1, 2, 3 along " + std::to_string(d),
                       .inputs = parts,
                       .f = [d](const Inputs& v) { return concat(v, d); }});
      }
      out.push_back({.name = "[2, 2], constant [2, 1], [2, 3] along 1",
                     .inputs = {make_input({2, 2}, 63), make_input({2, 1}, 61).detach(),
                                make_input({2, 3}, 64)},
                     .f = along1});
      out.push_back({.name = "constant [1, 3], [2, 3] along 0",
                     .inputs = {zeros({1, 3}), make_input({2, 3}, 65)},
                     .f = [](const Inputs& v) { return concat(v, 0); }});
      out.push_back(
          {.name = "[2, 3], [2, 1], [2, 2] along 1",
           .inputs = {make_input({2, 3}, 9), make_input({2, 1}, 10), make_input({2, 2}, 11)},
           .f = along1});
      out.push_back({.name = "empty [2, 0] and [2, 3] along 1",
                     .inputs = {make_input({2, 0}, 12), make_input({2, 3}, 13)},
                     .f = along1});
      for (int d = -3; d <= 2; ++d)
        out.push_back(
            {.name = "stack of three [2, 3] along " + std::to_string(d),
             .inputs = {make_input({2, 3}, 70), make_input({2, 3}, 71), make_input({2, 3}, 72)},
             .f = [d](const Inputs& v) { return stack(v, d); }});
      out.push_back({.name = "stack of two [2, 3] along 1, another draw",
                     .inputs = {make_input({2, 3}, 12), make_input({2, 3}, 13)},
                     .f = [](const Inputs& v) { return stack(v, 1); }});
      return out;
    }};

Tensor concat(const std::vector<Tensor>& xs, int dim) {
  ProfileScope profile_scope(concat_op.name);
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
  return record(concat_op, out, ins, [sp, widths, need, shapes](const Tensor& g) {
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

// Slices used unequally (one twice, one not at all): their gradients must land in place, zero
// where a slice got none.
const OpInfo unbind_op{
    .name = "unbind", .samples = [] {
      std::vector<Sample> out;
      for (int dim : {0, 1, 2, -1})
        out.push_back({.name = "[3, 2, 4] along " + std::to_string(dim) + ": p0 * p1 + plast",
                       .inputs = {make_input({3, 2, 4}, 12)},
                       .f = [dim](const Inputs& v) {
                         auto p = unbind(v[0], dim);
                         return p[0] * p[1] + p[p.size() - 1];
                       }});
      out.push_back({.name = "[2, 3, 4] along 1: 2 p0, p2, p0",
                     .inputs = {make_input({2, 3, 4}, 6)},
                     .f = [](const Inputs& v) {
                       std::vector<Tensor> s = unbind(v[0], 1);
                       return concat({s[0] * 2.0f, s[2], s[0]}, 0);
                     }});
      return out;
    }};

std::vector<Tensor> unbind(const Tensor& x, int dim) {
  ProfileScope profile_scope(unbind_op.name);
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
  return record_multi(unbind_op, std::move(outs), {&x},
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

// narrow and slice (Python's x[start:end] along dim, which clamps and counts from the end).
const OpInfo narrow_op{
    .name = "narrow", .samples = [] {
      std::vector<Sample> out;
      struct Window {
        int dim;
        int64_t start, length;
      };
      const Tensor x = make_input({4, 5, 3}, 80);
      for (Window w : {Window{0, 1, 2},
                       {1, 0, 5},
                       {1, 2, 3},
                       {2, 2, 1},
                       {-1, 0, 2},
                       {-2, -3, 2},
                       {0, 3, 1},
                       {1, 2, 0}})
        out.push_back(
            {.name = "[4, 5, 3] dim " + std::to_string(w.dim) + " from " + std::to_string(w.start) +
                     " length " + std::to_string(w.length),
             .inputs = {x},
             .f = [w](const Inputs& v) { return narrow(v[0], w.dim, w.start, w.length); }});
      out.push_back({.name = "[2, 3, 4] dim 2 from 1 length 2",
                     .inputs = {make_input({2, 3, 4}, 6)},
                     .f = [](const Inputs& v) { return narrow(v[0], 2, 1, 2); }});
      const Tensor y = make_input({6, 2}, 90);
      for (auto [start, end] : {std::pair<int64_t, int64_t>{1, 4},
                                {0, 6},
                                {-2, 6},
                                {-4, -1},
                                {2, -2},
                                {0, 100},
                                {-100, 2},
                                {-1, 100}})
        out.push_back({.name = "slice [6, 2] " + std::to_string(start) + ":" + std::to_string(end),
                       .inputs = {y},
                       .f = [start = start, end = end](const Inputs& v) {
                         return slice(v[0], 0, start, end);
                       }});
      out.push_back({.name = "slice [2, 3, 4] dim 1 1:3",
                     .inputs = {make_input({2, 3, 4}, 6)},
                     .f = [](const Inputs& v) { return slice(v[0], 1, 1, 3); }});
      return out;
    }};

Tensor narrow(const Tensor& x, int dim, int64_t start, int64_t length) {
  ProfileScope profile_scope(narrow_op.name);
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
  return record(narrow_op, out, {&x}, [shape = x.shape(), sp, start, w](const Tensor& g) {
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

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_shape_op_infos() {
  return {&reshape_op, &permute_op, &transpose_op, &concat_op, &unbind_op, &narrow_op};
}

}  // namespace attend
