// Node: one recorded op in the graph. Its backward closure maps the gradient of the op's output to
// the gradients of its inputs, using only what the closure captured (the "saved tensors").
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "autograd/tensor.h"

namespace attend {

// Returns one gradient per input, in input order; an undefined Tensor means "no gradient".
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

// Where an input's gradient goes: into the op that produced it, or into a leaf's .grad.
struct Edge {
  std::shared_ptr<Node> fn;
  std::shared_ptr<TensorImpl> leaf;
  Shape shape;  // the input's shape, to check the gradient a backward returns
  bool defined() const { return fn || leaf; }
};

struct Node {
  Node() = default;
  ~Node();  // unlinks the graph iteratively: a 100,000-node chain must not recurse 100,000 deep
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name = "";
  std::vector<Edge> next;  // one per input; undefined where the input needs no gradient
  BackwardFn backward;     // reset after it runs (unless retain_graph): frees the saved tensors

  // Hooks and retain_grad() of the op's output tensor.
  std::vector<GradHook> hooks;
  std::weak_ptr<TensorImpl> retained;

  // Engine scratch space for one backward pass.
  Tensor grad_accum;
  int pending = 0;
  uint64_t epoch = 0;
};

// True when grad mode is on and any input requires grad: the op must record a Node.
bool needs_graph(std::span<const Tensor* const> inputs);
inline bool needs_graph(std::initializer_list<const Tensor*> inputs) {
  return needs_graph(std::span<const Tensor* const>(inputs.begin(), inputs.size()));
}

// Backward closures capture saved tensors as detach()ed copies (same data, no grad_fn): capturing
// the op's own output un-detached would make a reference cycle node -> closure -> output -> node.
//
// Attaches a Node named op to out (when needs_graph) and runs anomaly checks. Every op ends with it:
//   return record("tanh", out, {&x}, [out](const Tensor& g) { ... });
// The closure runs only if backward reaches it. It should skip the gradient of an input that does
// not require grad (capture a.requires_grad() in the op) and return an undefined Tensor for it.
Tensor record(const char* op, Tensor out, std::span<const Tensor* const> inputs, BackwardFn backward);
inline Tensor record(const char* op, Tensor out, std::initializer_list<const Tensor*> inputs,
                     BackwardFn backward) {
  return record(op, std::move(out), std::span<const Tensor* const>(inputs.begin(), inputs.size()),
                std::move(backward));
}

}  // namespace attend
