// Tensor: a handle to float32 data of some shape, and the autograd state that lets a loss computed
// from it be differentiated. Copies of a Tensor share the same data (like torch.Tensor in Python).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "autograd/allocator.h"
#include "autograd/error.h"
#include "autograd/shape.h"

namespace attend {

class Tensor;
struct Node;

// A gradient hook sees the gradient flowing into a tensor; returning a defined tensor replaces it.
using GradHook = std::function<Tensor(const Tensor& grad)>;
// Told that a leaf's .grad is final for this backward pass (see
// Tensor::register_post_accumulate_grad_hook); it gets the leaf itself.
using PostAccumulateGradHook = std::function<void(const Tensor& leaf)>;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated by backward(); leaves and retain_grad() tensors
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor (null for leaves)
  int output_nr = 0;                 // which of grad_fn's outputs this tensor is
  std::vector<GradHook> hooks;       // leaf hooks; a non-leaf's hooks live on its grad_fn
  std::vector<PostAccumulateGradHook> post_accumulate_hooks;  // leaves only
};

class Tensor {
 public:
  Tensor() = default;  // undefined: like an empty torch.Tensor handle
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // Uninitialised tensor of this shape (use zeros()/ones()/... from creation.h for values).
  static Tensor empty(const Shape& shape);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  int ndim() const { return impl_->shape.ndim(); }
  int dim() const { return ndim(); }
  int64_t numel() const { return impl_->shape.numel(); }
  int64_t size(int d) const;  // negative d counts from the end

  float* data() { return impl_->storage->data(); }
  const float* data() const { return impl_->storage->data(); }
  // Element at a multi-dimensional index (slow; for tests and printing).
  float at(std::initializer_list<int64_t> index) const;

  // --- autograd -------------------------------------------------------------------------------
  bool requires_grad() const { return impl_->requires_grad; }
  // Marks a leaf as a parameter to differentiate; throws on a non-leaf.
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const { return impl_->grad_fn == nullptr; }
  Tensor grad() const { return Tensor(impl_->grad); }
  void set_grad(const Tensor& g) { impl_->grad = g.impl_; }
  const std::shared_ptr<Node>& grad_fn() const { return impl_->grad_fn; }
  // Keeps .grad() of a non-leaf after backward (leaves always keep it).
  void retain_grad() const;
  // Calls hook with the gradient of this tensor during backward; a defined result replaces it.
  void register_hook(GradHook hook) const;
  // On a leaf: calls hook(leaf) once per backward() that reaches it, after the last gradient that
  // pass sends it has been added into .grad, so .grad is final for the pass (torch's
  // register_post_accumulate_grad_hook). Data-parallel training starts a gradient's all-reduce
  // there, while the rest of the backward still runs. Called even when no path delivered a
  // gradient (then .grad is as it was); not called for a leaf the pass does not reach.
  void register_post_accumulate_grad_hook(PostAccumulateGradHook hook) const;
  // Reverse-mode differentiation from this tensor. gradient may be omitted for a one-element
  // tensor; retain_graph keeps saved tensors so backward can run through the graph again.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

  // Same data, cut from the graph.
  Tensor detach() const;
  // A copy of the data that stays in the graph (gradient flows through it).
  Tensor clone() const;
  // The single value of a one-element tensor.
  float item() const;

  // Methods for the most common ops (free functions in ops.h hold all of them).
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const { return reshape(shape); }
  Tensor transpose(int d0, int d1) const;
  Tensor sum() const;
  Tensor mean() const;

  // PyTorch-like text: values (long tensors summarised), shape, and grad_fn / requires_grad.
  std::string str() const;

  // Same underlying TensorImpl (not value equality).
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// --- grad mode ---------------------------------------------------------------------------------
bool grad_enabled();
// Disables graph recording in this thread while alive (torch.no_grad()).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// --- anomaly mode ------------------------------------------------------------------------------
// When on, every op checks its output and every backward its gradients for NaN/Inf and throws an
// AnomalyError naming the op. Off by default (it costs a pass over each result).
bool anomaly_enabled();
void set_detect_anomaly(bool on);
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace attend
