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

// --- printing: a port of torch/_tensor_str.py (threshold 1000, edgeitems 3, linewidth 80)
// ---------
namespace {

constexpr int64_t kSummarizeThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr int kLineWidth = 80;

// Calls f(flat offset) for every element that printing shows (all, or the edges when summarised).
template <class F>
void for_each_shown(const Shape& s, int dim, int64_t offset, bool summarize, F& f) {
  if (dim == s.ndim()) {
    f(offset);
    return;
  }
  int64_t stride = 1;
  for (int d = dim + 1; d < s.ndim(); ++d) stride *= s[d];
  const int64_t n = s[dim];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) i = n - kEdgeItems;
    for_each_shown(s, dim + 1, offset + i * stride, summarize, f);
  }
}

std::string printf_str(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// torch's _Formatter: int mode when every shown nonzero finite value is whole, scientific when
// their magnitudes span more than 1000x (or exceed 1e8, or for fractions fall below 1e-4); the
// width is that of the widest nonzero finite value.
struct Formatter {
  bool int_mode = true;
  bool sci_mode = false;
  int width = 1;

  Formatter(const Tensor& t, bool summarize) {
    std::vector<double> vals;  // nonzero finite values shown
    auto collect = [&](int64_t off) {
      const float v = t.data()[off];
      if (std::isfinite(v) && v != 0.0f) vals.push_back(v);
    };
    for_each_shown(t.shape(), 0, 0, summarize, collect);
    if (vals.empty()) return;
    double mn = INFINITY, mx = 0;
    for (double v : vals) {
      mn = std::min(mn, std::fabs(v));
      mx = std::max(mx, std::fabs(v));
      if (v != std::ceil(v)) int_mode = false;
    }
    sci_mode = mx / mn > 1000.0 || mx > 1e8 || (!int_mode && mn < 1e-4);
    for (double v : vals) {
      const std::string r = sci_mode   ? printf_str("%.4e", v)
                            : int_mode ? printf_str("%.0f", v) + "."
                                       : printf_str("%.4f", v);
      width = std::max(width, static_cast<int>(r.size()));
    }
  }

  std::string operator()(float v) const {
    std::string r;
    if (std::isnan(v))
      r = "nan";
    else if (std::isinf(v))
      r = v > 0 ? "inf" : "-inf";
    else if (sci_mode)
      r = printf_str("%.4e", v);
    else if (int_mode)
      r = printf_str("%.0f", v) + ".";
    else
      r = printf_str("%.4f", v);
    return std::string(width > static_cast<int>(r.size()) ? width - r.size() : 0, ' ') + r;
  }
};

std::string format_dim(const Tensor& t, const Formatter& fmt, int dim, int64_t offset, int indent,
                       bool summarize) {
  const Shape& s = t.shape();
  const int64_t n = s[dim];
  int64_t stride = 1;
  for (int d = dim + 1; d < s.ndim(); ++d) stride *= s[d];
  const bool cut = summarize && n > 2 * kEdgeItems;
  std::vector<std::string> items;
  for (int64_t i = 0; i < n; ++i) {
    if (cut && i == kEdgeItems) {
      items.emplace_back(dim + 1 == s.ndim() ? " ..." : "...");
      i = n - kEdgeItems;
    }
    items.push_back(dim + 1 == s.ndim()
                        ? fmt(t.data()[offset + i])
                        : format_dim(t, fmt, dim + 1, offset + i * stride, indent + 1, summarize));
  }
  std::string out = "[";
  if (dim + 1 == s.ndim()) {
    // A row wraps so that each line holds as many elements as fit in the line width.
    const int per_line = std::max(1, (kLineWidth - indent) / (fmt.width + 2));
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0 && i % per_line == 0) {
        out += ",\n";
        out.append(indent + 1, ' ');
      } else if (i > 0) {
        out += ", ";
      }
      out += items[i];
    }
  } else {
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) {
        out += ',';
        out.append(s.ndim() - dim - 1, '\n');
        out.append(indent + 1, ' ');
      }
      out += items[i];
    }
  }
  out += ']';
  return out;
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::string out = "tensor(";
  const bool summarize = numel() > kSummarizeThreshold;
  Formatter fmt(*this, summarize);
  if (ndim() == 0)
    out += fmt(data()[0]);
  else if (numel() == 0)
    out += "[]";
  else
    out += format_dim(*this, fmt, 0, 0, 7, summarize);
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
