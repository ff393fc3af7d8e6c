// Node: one recorded op in the graph. Its backward closure maps the gradient of the op's output(s)
// to the gradients of its inputs, using only what the closure captured (the "saved tensors").
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
// For ops with several outputs: one gradient per output, undefined where none flowed (read as 0).
using MultiBackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grad_outputs)>;

// Where an input's gradient goes: into the op that produced it, or into a leaf's .grad.
struct Edge {
  std::shared_ptr<Node> fn;
  std::shared_ptr<TensorImpl> leaf;
  Shape shape;        // the input's shape, to check the gradient a backward returns
  int output_nr = 0;  // which output of fn the input is
  bool defined() const { return fn || leaf; }
};

struct Node {
  Node() = default;
  ~Node();  // unlinks the graph iteratively: a 100,000-node chain must not recurse 100,000 deep
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Per output: hooks and retain_grad() of the output tensor, and the gradient summed so far.
  struct Output {
    std::vector<GradHook> hooks;
    std::weak_ptr<TensorImpl> retained;
    Tensor grad_accum;  // engine scratch space for one backward pass
  };

  const char* name = "";
  std::vector<Edge> next;  // one per input; undefined where the input needs no gradient
  // Exactly one of the two is set; it is reset after it runs (unless retain_graph), which frees
  // the saved tensors.
  BackwardFn backward;
  MultiBackwardFn backward_multi;
  std::vector<Output> outputs = std::vector<Output>(1);

  int pending = 0;  // engine scratch: consumers that have not delivered their gradient yet
  uint64_t epoch = 0;

  bool released() const { return !backward && !backward_multi; }
};

// True when grad mode is on and any input requires grad: the op must record a Node.
bool needs_graph(std::span<const Tensor* const> inputs);
inline bool needs_graph(std::initializer_list<const Tensor*> inputs) {
  return needs_graph(std::span<const Tensor* const>(inputs.begin(), inputs.size()));
}

struct OpInfo;  // autograd/op_info.h

// Backward closures capture saved tensors as detach()ed copies (same data, no grad_fn): capturing
// the op's own output un-detached would make a reference cycle node -> closure -> output -> node.
//
// Attaches a Node named after op's descriptor to out (when needs_graph) and runs anomaly checks.
// Every op ends with it:
//   return record(tanh_op, out, {&x}, [out](const Tensor& g) { ... });
// op must be registered (autograd/op_info.h: in its ops file's list, or register_op()); an
// unregistered one throws AutogradError. The closure runs only if backward reaches it. It should
// skip the gradient of an input that does not require grad (capture a.requires_grad() in the op)
// and return an undefined Tensor for it.
Tensor record(const OpInfo& op, Tensor out, std::span<const Tensor* const> inputs,
              BackwardFn backward);
inline Tensor record(const OpInfo& op, Tensor out, std::initializer_list<const Tensor*> inputs,
                     BackwardFn backward) {
  return record(op, std::move(out), std::span<const Tensor* const>(inputs.begin(), inputs.size()),
                std::move(backward));
}

// The same for an op with several outputs (e.g. a fused LSTM cell returning h and c). Each output
// gets output_nr = its position; backward receives one gradient per output.
std::vector<Tensor> record_multi(const OpInfo& op, std::vector<Tensor> outs,
                                 std::span<const Tensor* const> inputs, MultiBackwardFn backward);
inline std::vector<Tensor> record_multi(const OpInfo& op, std::vector<Tensor> outs,
                                        std::initializer_list<const Tensor*> inputs,
                                        MultiBackwardFn backward) {
  return record_multi(op, std::move(outs),
                      std::span<const Tensor* const>(inputs.begin(), inputs.size()),
                      std::move(backward));
}

}  // namespace attend
