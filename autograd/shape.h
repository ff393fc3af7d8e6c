// Shape: the dimensions of a contiguous row-major tensor, stored inline (no heap allocation per
// op).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace attend {

class Shape {
 public:
  static constexpr int kMaxDims = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims) : Shape(std::span<const int64_t>(dims)) {}

  int ndim() const { return n_; }
  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t operator[](int i) const { return d_[i]; }
  int64_t& operator[](int i) { return d_[i]; }
  // Python-style index: dim(-1) is the last dimension.
  int64_t dim(int i) const { return d_[i < 0 ? i + n_ : i]; }
  int64_t numel() const;
  const int64_t* begin() const { return d_.data(); }
  const int64_t* end() const { return d_.data() + n_; }
  int64_t back() const { return d_[n_ - 1]; }

  void push_back(int64_t d);
  void insert(int pos, int64_t d);
  void erase(int pos);

  std::vector<int64_t> vec() const { return {begin(), end()}; }
  std::string str() const;  // "[2, 3, 4]"

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<int64_t, kMaxDims> d_{};
  int n_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Shape& s);

// Resolves a possibly negative dimension index against ndim; throws naming the op when out of
// range.
int normalize_dim(int dim, int ndim, const char* op);

// Row-major element strides of a contiguous tensor of this shape.
std::array<int64_t, Shape::kMaxDims> contiguous_strides(const Shape& s);

}  // namespace attend
