#include "autograd/tensor.h"

#include <cmath>
#include <cstdio>
#include <ostream>

#include "autograd/node.h"
#include "autograd/ops.h"

namespace attend {

Tensor Tensor::empty(const Shape& shape) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(shape.numel());
  impl->shape = shape;
  return Tensor(std::move(impl));
}

int64_t Tensor::size(int d) const {
  return shape()[normalize_dim(d, ndim(), "size")];
}

float Tensor::at(std::initializer_list<int64_t> index) const {
  if (static_cast<int>(index.size()) != ndim())
    throw ShapeError("at: " + std::to_string(index.size()) + " indices for a tensor of shape " +
                     shape().str());
  int64_t flat = 0;
  int i = 0;
  for (int64_t v : index) {
    if (v < 0 || v >= shape()[i])
      throw ShapeError("at: index " + std::to_string(v) + " out of range for dimension " +
                       std::to_string(i) + " of shape " + shape().str());
    flat = flat * shape()[i++] + v;
  }
  return data()[flat];
}

Tensor& Tensor::requires_grad_(bool on) {
  if (!is_leaf())
    throw AutogradError(
        "requires_grad_() can only change leaf tensors; use detach() to get a new leaf");
  impl_->requires_grad = on;
  return *this;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = impl_->shape;
  return Tensor(std::move(impl));
}

float Tensor::item() const {
  if (numel() != 1)
    throw ShapeError("item(): only one-element tensors can be converted to a number; shape is " +
                     shape().str());
  return data()[0];
}

Tensor Tensor::clone() const {
  return attend::clone(*this);
}
Tensor Tensor::reshape(const Shape& s) const {
  return attend::reshape(*this, s.vec());
}
Tensor Tensor::transpose(int d0, int d1) const {
  return attend::transpose(*this, d0, d1);
}
Tensor Tensor::sum() const {
  return attend::sum(*this);
}
Tensor Tensor::mean() const {
  return attend::mean(*this);
}

// --- printing, following torch/_tensor_str.py ------------------------------------------------
namespace {

constexpr int64_t kSummarizeThreshold = 1000;  // torch's default print threshold
constexpr int64_t kEdgeItems = 3;

struct Formatter {
  bool int_mode = true;
  bool sci_mode = false;
  int width = 1;

  explicit Formatter(const Tensor& t) {
    const float* p = t.data();
    double max_abs = 0, min_abs = INFINITY;
    bool any_finite = false;
    for (int64_t i = 0, n = t.numel(); i < n; ++i) {
      float v = p[i];
      if (!std::isfinite(v)) continue;
      any_finite = true;
      if (v != std::nearbyint(v)) int_mode = false;
      double a = std::fabs(v);
      if (a > 0) {
        max_abs = std::max(max_abs, a);
        min_abs = std::min(min_abs, a);
      }
    }
    if (!any_finite) int_mode = false;
    if (int_mode) {
      sci_mode = max_abs > 1e8;
    } else if (max_abs > 0) {
      sci_mode = max_abs / min_abs > 1000.0 || max_abs > 1e8 || min_abs < 1e-4;
    }
    for (int64_t i = 0, n = t.numel(); i < n; ++i)
      width = std::max<int>(width, static_cast<int>(raw(p[i]).size()));
  }

  std::string raw(float v) const {
    char buf[64];
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (sci_mode)
      std::snprintf(buf, sizeof buf, "%.4e", v);
    else if (int_mode)
      std::snprintf(buf, sizeof buf, "%.0f.", v);
    else
      std::snprintf(buf, sizeof buf, "%.4f", v);
    return buf;
  }

  std::string operator()(float v) const {
    std::string s = raw(v);
    return std::string(width > static_cast<int>(s.size()) ? width - s.size() : 0, ' ') + s;
  }
};

void print_dim(std::string& out, const Tensor& t, const Formatter& fmt, int dim, int64_t offset,
               int indent, bool summarize) {
  const Shape& s = t.shape();
  const int64_t n = s[dim];
  int64_t stride = 1;
  for (int d = dim + 1; d < s.ndim(); ++d) stride *= s[d];
  const bool cut = summarize && n > 2 * kEdgeItems;
  out += '[';
  for (int64_t i = 0; i < n; ++i) {
    if (cut && i == kEdgeItems) {
      if (dim + 1 == s.ndim()) {
        out += "..., ";
      } else {
        out += "...,";
        out.append(s.ndim() - dim - 1, '\n');
        out.append(indent + 1, ' ');
      }
      i = n - kEdgeItems;
    }
    if (dim + 1 == s.ndim())
      out += fmt(t.data()[offset + i]);
    else
      print_dim(out, t, fmt, dim + 1, offset + i * stride, indent + 1, summarize);
    if (i + 1 < n) {
      if (dim + 1 == s.ndim())
        out += ", ";
      else {
        out += ',';
        out.append(s.ndim() - dim - 1, '\n');
        out.append(indent + 1, ' ');
      }
    }
  }
  out += ']';
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::string out = "tensor(";
  Formatter fmt(*this);
  if (ndim() == 0)
    out += fmt.raw(data()[0]);
  else if (numel() == 0)
    out += "[]";
  else
    print_dim(out, *this, fmt, 0, 0, 7, numel() > kSummarizeThreshold);
  out += ", shape=" + shape().str();
  if (grad_fn())
    out += std::string(", grad_fn=<") + grad_fn()->name + ">";
  else if (requires_grad())
    out += ", requires_grad=true";
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  return os << t.str();
}

}  // namespace attend
