// The backward engine: topological order without recursion, gradient accumulation, hooks,
// retain_grad, release of saved tensors, grad mode and anomaly mode.
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/profiler.h"

namespace attend {
namespace {

thread_local bool g_grad_enabled = true;
bool g_anomaly = false;
uint64_t g_epoch = 0;

bool has_nonfinite(const Tensor& t) {
  const float* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    if (!std::isfinite(p[i])) return true;
  return false;
}

// A gradient we may add into in place: nobody else holds the tensor or its storage.
bool exclusively_owned(const Tensor& t) {
  return t.impl().use_count() == 1 && t.impl()->storage.use_count() == 1;
}

// sum += g, in place when sum is ours alone; otherwise into a fresh tensor.
void accumulate(Tensor& sum, Tensor g) {
  if (!sum.defined()) {
    sum = std::move(g);
  } else if (exclusively_owned(sum)) {
    add_(sum, g);
  } else {
    sum = add(sum, g);
  }
}

Tensor run_hooks(const std::vector<GradHook>& hooks, Tensor g) {
  for (const GradHook& h : hooks) {
    Tensor r = h(g);
    if (r.defined()) {
      if (!(r.shape() == g.shape()))
        throw ShapeError("gradient hook returned shape " + r.shape().str() +
                         " for a gradient of shape " + g.shape().str());
      g = std::move(r);
    }
  }
  return g;
}

void accumulate_leaf(TensorImpl& leaf, Tensor g) {
  g = run_hooks(leaf.hooks, std::move(g));
  // .grad must not alias another tensor: optimizers and clipping modify it in place.
  if (!exclusively_owned(g)) g = kernels::copy_of(g);
  Tensor grad(leaf.grad);
  accumulate(grad, std::move(g));
  leaf.grad = grad.impl();
}

void run_post_accumulate_hooks(const std::shared_ptr<TensorImpl>& leaf) {
  const Tensor t(leaf);
  for (const PostAccumulateGradHook& h : leaf->post_accumulate_hooks) h(t);
}

}  // namespace

Node::~Node() {
  // Take over every child node that would die with us, and destroy them one at a time here
  // instead of through nested destructor calls.
  std::vector<std::shared_ptr<Node>> doomed;
  auto adopt = [&doomed](std::vector<Edge>& edges) {
    for (Edge& e : edges)
      if (e.fn && e.fn.use_count() == 1) doomed.push_back(std::move(e.fn));
  };
  adopt(next);
  while (!doomed.empty()) {
    std::shared_ptr<Node> n = std::move(doomed.back());
    doomed.pop_back();
    adopt(n->next);
    n->backward = nullptr;  // frees its saved tensors now, while n's children are already adopted
    n->backward_multi = nullptr;
  }
}

namespace {

// Runs one node's backward on the gradients its outputs received; returns one gradient per input
// (empty when no gradient reached any output).
std::vector<Tensor> run_node(Node& node) {
  std::vector<Tensor> gs(node.outputs.size());
  bool any = false;
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    Node::Output& out = node.outputs[k];
    gs[k] = std::move(out.grad_accum);
    out.grad_accum = Tensor();
    if (!gs[k].defined()) continue;
    any = true;
    gs[k] = run_hooks(out.hooks, std::move(gs[k]));
    if (auto kept = out.retained.lock()) {
      Tensor kg(kept->grad);
      accumulate(kg, kernels::copy_of(gs[k]));
      kept->grad = kg.impl();
    }
  }
  if (!any) return {};
  if (node.released())
    throw AutogradError(std::string("backward through the graph a second time at op '") +
                        node.name +
                        "': its saved tensors were freed by the first backward(); pass "
                        "retain_graph=true to the first call if you need to run it twice");
  std::vector<Tensor> grads;
  {
    ProfileScope scope(node.name, ProfilePhase::Backward);
    grads = node.backward ? node.backward(gs[0]) : node.backward_multi(gs);
  }
  if (grads.size() != node.next.size())
    throw AutogradError(std::string("backward of '") + node.name + "' returned " +
                        std::to_string(grads.size()) + " gradients for " +
                        std::to_string(node.next.size()) + " inputs");
  return grads;
}

}  // namespace

bool grad_enabled() {
  return g_grad_enabled;
}
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) {
  g_grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
  g_grad_enabled = prev_;
}

bool anomaly_enabled() {
  return g_anomaly;
}
void set_detect_anomaly(bool on) {
  g_anomaly = on;
}
DetectAnomalyGuard::DetectAnomalyGuard() : prev_(g_anomaly) {
  g_anomaly = true;
}
DetectAnomalyGuard::~DetectAnomalyGuard() {
  g_anomaly = prev_;
}

bool needs_graph(std::span<const Tensor* const> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

namespace {

// record() takes only a registered descriptor, so every node in any graph names an op that
// `attend gradcheck` and the test suite check: an op left out of its file's list fails here, on
// its first use, naming the list to add it to.
void require_registered(const OpInfo& op) {
  if (!op_registry().contains(op))
    throw AutogradError(std::string("record: op '") + op.name +
                        "' has a descriptor that is not registered: add it to the list at the "
                        "end of its ops file (or register_op() it, for an op outside autograd/)");
}

void check_forward(const char* op, const Tensor& out) {
  if (g_anomaly && has_nonfinite(out))
    throw AnomalyError(std::string("anomaly: the forward of '") + op +
                       "' produced NaN or Inf (output shape " + out.shape().str() + ")");
}

std::shared_ptr<Node> make_node(const char* op, std::span<const Tensor* const> inputs) {
  auto node = std::make_shared<Node>();
  node->name = op;
  node->next.reserve(inputs.size());
  for (const Tensor* t : inputs) {
    Edge e;
    if (t->defined() && t->requires_grad()) {
      if (t->grad_fn()) {
        e.fn = t->grad_fn();
        e.output_nr = t->impl()->output_nr;
      } else {
        e.leaf = t->impl();
      }
      e.shape = t->shape();
    }
    node->next.push_back(std::move(e));
  }
  return node;
}

}  // namespace

Tensor record(const OpInfo& op, Tensor out, std::span<const Tensor* const> inputs,
              BackwardFn backward) {
  require_registered(op);
  check_forward(op.name, out);
  if (!needs_graph(inputs)) return out;
  auto node = make_node(op.name, inputs);
  node->backward = std::move(backward);
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
  return out;
}

std::vector<Tensor> record_multi(const OpInfo& op, std::vector<Tensor> outs,
                                 std::span<const Tensor* const> inputs, MultiBackwardFn backward) {
  require_registered(op);
  for (const Tensor& o : outs) check_forward(op.name, o);
  if (!needs_graph(inputs)) return outs;
  auto node = make_node(op.name, inputs);
  node->backward_multi = std::move(backward);
  node->outputs.resize(outs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    outs[i].impl()->requires_grad = true;
    outs[i].impl()->grad_fn = node;
    outs[i].impl()->output_nr = static_cast<int>(i);
  }
  return outs;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  if (!defined()) throw AutogradError("backward() called on an undefined tensor");
  if (!requires_grad())
    throw AutogradError(
        "backward(): tensor of shape " + shape().str() +
        " does not require grad and has no grad_fn (did you forget requires_grad_()?)");
  Tensor root_grad = gradient;
  if (!root_grad.defined()) {
    if (numel() != 1)
      throw AutogradError(
          "backward(): a gradient can be created implicitly only for one-element outputs; "
          "this output has shape " +
          shape().str() + ", pass the gradient explicitly");
    root_grad = ones(shape());
  } else if (!(root_grad.shape() == shape())) {
    throw ShapeError("backward(): gradient of shape " + root_grad.shape().str() +
                     " given for an output of shape " + shape().str());
  }
  NoGradGuard no_grad;  // backward closures compute plain values; no second-order graph
  if (is_leaf()) {
    accumulate_leaf(*impl_, root_grad.detach());
    if (!impl_->post_accumulate_hooks.empty()) run_post_accumulate_hooks(impl_);
    return;
  }

  // 1. Count, for every node reachable from the root, how many edges lead into it (iteratively:
  //    long RNN graphs are far deeper than the call stack). For a leaf with post-accumulate hooks,
  //    count the edges into it too: the last of them to deliver makes its .grad final.
  std::unordered_map<TensorImpl*, int> leaf_edges;
  const uint64_t epoch = ++g_epoch;
  Node* root = impl_->grad_fn.get();
  root->epoch = epoch;
  root->pending = 0;
  std::vector<Node*> stack{root};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (Edge& e : n->next) {
      if (e.leaf && !e.leaf->post_accumulate_hooks.empty()) ++leaf_edges[e.leaf.get()];
      if (!e.fn) continue;
      Node* m = e.fn.get();
      if (m->epoch != epoch) {
        m->epoch = epoch;
        m->pending = 0;
        stack.push_back(m);
      }
      m->pending++;
    }
  }

  // 2. Run nodes once all their consumers have delivered gradient (Kahn's algorithm). The
  //    ready list is a stack, so the pass goes depth-first and frees saved tensors early.
  root->outputs[impl_->output_nr].grad_accum = root_grad.detach();
  // Holds the root node: releasing edges below may drop the last other reference to it.
  std::vector<std::shared_ptr<Node>> ready{impl_->grad_fn};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    // The engine's own share: hooks, checks, summing gradients, freeing saved tensors.
    ProfileScope engine_scope("(backward engine)", ProfilePhase::Backward);
    std::vector<Tensor> grads = run_node(*node);
    for (size_t i = 0; i < node->next.size(); ++i) {
      Edge& e = node->next[i];
      if (!e.defined()) continue;
      Tensor gi = i < grads.size() ? std::move(grads[i]) : Tensor();
      if (gi.defined()) {
        if (!(gi.shape() == e.shape))
          throw ShapeError(std::string("backward of '") + node->name +
                           "' returned a gradient of shape " + gi.shape().str() + " for input " +
                           std::to_string(i) + " of shape " + e.shape.str());
        if (g_anomaly && has_nonfinite(gi))
          throw AnomalyError(std::string("anomaly: the backward of '") + node->name +
                             "' produced NaN or Inf in the gradient of input " + std::to_string(i) +
                             " (shape " + gi.shape().str() + ")");
      }
      if (e.leaf) {
        if (gi.defined()) accumulate_leaf(*e.leaf, std::move(gi));
        if (!e.leaf->post_accumulate_hooks.empty() && --leaf_edges[e.leaf.get()] == 0)
          run_post_accumulate_hooks(e.leaf);
      } else {
        if (gi.defined()) accumulate(e.fn->outputs[e.output_nr].grad_accum, std::move(gi));
        if (--e.fn->pending == 0) ready.push_back(e.fn);
      }
    }
    grads.clear();
    if (!retain_graph) {
      // Free what the closure saved; keep the edges so a second backward finds this node and
      // reports the error in run_node() instead of silently doing nothing.
      node->backward = nullptr;
      node->backward_multi = nullptr;
    }
  }
}

void Tensor::retain_grad() const {
  if (!requires_grad()) throw AutogradError("retain_grad() on a tensor that does not require grad");
  if (!is_leaf()) impl_->grad_fn->outputs[impl_->output_nr].retained = impl_;
}

void Tensor::register_post_accumulate_grad_hook(PostAccumulateGradHook hook) const {
  if (!requires_grad() || !is_leaf())
    throw AutogradError(
        "register_post_accumulate_grad_hook() on a tensor that is not a leaf requiring grad");
  impl_->post_accumulate_hooks.push_back(std::move(hook));
}

void Tensor::register_hook(GradHook hook) const {
  if (!requires_grad())
    throw AutogradError("register_hook() on a tensor that does not require grad");
  if (is_leaf())
    impl_->hooks.push_back(std::move(hook));
  else
    impl_->grad_fn->outputs[impl_->output_nr].hooks.push_back(std::move(hook));
}

}  // namespace attend
