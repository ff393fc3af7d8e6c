#include "autograd/shape.h"

#include <algorithm>
#include <ostream>
#include <stdexcept>

#include "autograd/error.h"

namespace attend {

Shape::Shape(std::initializer_list<int64_t> dims)
    : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const int64_t> dims) {
  if (dims.size() > static_cast<size_t>(kMaxDims))
    throw ShapeError("shape has " + std::to_string(dims.size()) + " dimensions; at most " +
                     std::to_string(kMaxDims) + " are supported");
  for (int64_t d : dims) {
    if (d < 0) throw ShapeError("negative dimension " + std::to_string(d) + " in shape");
    d_[n_++] = d;
  }
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < n_; ++i) n *= d_[i];
  return n;
}

void Shape::push_back(int64_t d) {
  insert(n_, d);
}

void Shape::insert(int pos, int64_t d) {
  if (n_ == kMaxDims)
    throw ShapeError("shape would exceed " + std::to_string(kMaxDims) + " dimensions");
  for (int i = n_; i > pos; --i) d_[i] = d_[i - 1];
  d_[pos] = d;
  ++n_;
}

void Shape::erase(int pos) {
  if (pos < 0 || pos >= n_)
    throw ShapeError("shape " + str() + " has no dimension " + std::to_string(pos));
  for (int i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
  --n_;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < n_; ++i) {
    if (i) s += ", ";
    s += std::to_string(d_[i]);
  }
  return s + "]";
}

bool operator==(const Shape& a, const Shape& b) {
  return a.n_ == b.n_ && std::equal(a.begin(), a.end(), b.begin());
}

std::ostream& operator<<(std::ostream& os, const Shape& s) {
  return os << s.str();
}

int normalize_dim(int dim, int ndim, const char* op) {
  // A 0-d tensor accepts dims 0 and -1, as in PyTorch.
  const int n = std::max(ndim, 1);
  const int d = dim < 0 ? dim + n : dim;
  if (d < 0 || d >= n)
    throw ShapeError(std::string(op) + ": dimension " + std::to_string(dim) +
                     " out of range for a tensor with " + std::to_string(ndim) + " dimensions");
  return d;
}

std::array<int64_t, Shape::kMaxDims> contiguous_strides(const Shape& s) {
  std::array<int64_t, Shape::kMaxDims> st{};
  int64_t acc = 1;
  for (int i = s.ndim() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

}  // namespace attend
