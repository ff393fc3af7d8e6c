#include "autograd/op_info.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "autograd/node.h"
#include "autograd/ops.h"

namespace attend {

// --- fixtures ----------------------------------------------------------------------------------

const Tensor& FixtureTensors::get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw std::out_of_range("fixture " + key_ + "." + name + " is missing");
  return it->second;
}

Tensor FixtureTensors::leaf(const std::string& name) const {
  Tensor t = get(name).detach().clone();
  t.requires_grad_();
  return t;
}

Tensor FixtureTensors::optional(const std::string& name) const {
  return has(name) ? get(name) : Tensor();
}

float FixtureTensors::opt(const std::string& key) const {
  return get("opt." + key).item();
}

int64_t FixtureTensors::iopt(const std::string& key) const {
  return static_cast<int64_t>(std::lround(opt(key)));
}

std::map<std::string, Tensor> FixtureTensors::state() const {
  const std::string prefix = "param.";
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : tensors_)
    if (name.compare(0, prefix.size(), prefix) == 0) out[name.substr(prefix.size())] = t;
  return out;
}

FixtureCase autograd_fixture(std::string key, std::vector<std::string> inputs, FixtureFn f,
                             Tolerance forward, Tolerance backward) {
  auto run = [inputs = std::move(inputs), f = std::move(f)](const FixtureTensors& t) {
    FixtureRun r;
    Inputs leaves;
    for (const std::string& name : inputs) {
      leaves.push_back(t.leaf(name));
      r.inputs.emplace_back(name, leaves.back());
    }
    r.outputs.emplace_back("y", f(leaves, t));
    return r;
  };
  return {"autograd.txt", std::move(key), forward, backward, std::move(run)};
}

// --- the registry ------------------------------------------------------------------------------

OpRegistry::OpRegistry(const std::vector<const OpInfo*>& infos) {
  for (const OpInfo* info : infos) add(*info);
}

void OpRegistry::add(const OpInfo& info) {
  if (find(info.name))
    throw std::invalid_argument(std::string("OpRegistry: '") + info.name +
                                "' is already registered");
  if (!info.samples)
    throw std::invalid_argument(std::string("OpRegistry: '") + info.name + "' has no samples");
  infos_.push_back(&info);
  members_.insert(&info);
}

const OpInfo* OpRegistry::find(std::string_view name) const {
  for (const OpInfo* info : infos_)
    if (name == info->name) return info;
  return nullptr;
}

// Every ops file's list, in the order of autograd/CMakeLists.txt (op_lists.cpp, generated there).
std::vector<const OpInfo*> library_op_infos();

OpRegistry& op_registry() {
  // Built on first use from the lists the ops files return (op_lists.cpp, generated from
  // autograd/CMakeLists.txt), not by static registrars: a static library's linker leaves out an
  // object file nothing refers to, registrar and all, while these calls refer to every ops file.
  static OpRegistry registry(library_op_infos());
  return registry;
}

void register_op(const OpInfo& info) {
  op_registry().add(info);
}

// --- checks ------------------------------------------------------------------------------------

std::vector<std::string> graph_op_names(const Tensor& y) {
  std::set<std::string> names;
  if (!y.defined() || !y.grad_fn()) return {};
  std::vector<Node*> stack = {y.grad_fn().get()};
  std::unordered_set<Node*> seen = {stack.back()};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    names.insert(n->name);
    for (const Edge& e : n->next)
      if (e.fn && seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
  }
  return {names.begin(), names.end()};
}

std::string format_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

Tensor cat_flat(const std::vector<Tensor>& outputs) {
  std::vector<Tensor> flat;
  for (const Tensor& t : outputs) flat.push_back(reshape(t, {-1}));
  return concat(flat, 0);
}

namespace {

std::string input_label(const Sample& s, size_t i) {
  return "input " + (i < s.input_names.size() ? s.input_names[i] : std::to_string(i));
}

// The sample's leaves that require grad, each once, labelled: inputs first, then parameters.
std::vector<std::pair<std::string, Tensor>> checked_leaves(const Sample& s) {
  std::vector<std::pair<std::string, Tensor>> leaves;
  std::unordered_set<const TensorImpl*> seen;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    const Tensor& t = s.inputs[i];
    if (!t.defined() || !t.requires_grad() || !seen.insert(t.impl().get()).second) continue;
    if (!t.is_leaf())
      throw std::invalid_argument("sample '" + s.name + "': " + input_label(s, i) +
                                  " requires grad but is not a leaf (make it with make_input)");
    leaves.emplace_back(input_label(s, i), t);
  }
  for (const auto& [name, p] : s.parameters)
    if (seen.insert(p.impl().get()).second) leaves.emplace_back("parameter " + name, p);
  return leaves;
}

// max |a - e| and whether every element is within tol; "" when fine, else what differs.
std::string compare(const Tensor& a, const Tensor& e, Tolerance tol, const std::string& what,
                    float& worst) {
  if (!a.defined() || !e.defined())
    return what + (a.defined() ? ": the reference gives none" : ": none (the reference gives one)");
  if (!(a.shape() == e.shape()))
    return what + ": shape " + a.shape().str() + ", the reference's " + e.shape().str();
  std::string bad;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float d = std::fabs(a.data()[i] - e.data()[i]);
    worst = std::max(worst, std::isnan(d) ? INFINITY : d);
    if (bad.empty() && !(d <= tol.atol + tol.rtol * std::fabs(e.data()[i]))) {
      std::ostringstream os;
      os.precision(7);
      os << what << " element " << i << ": " << a.data()[i] << ", the reference's " << e.data()[i];
      bad = os.str();
    }
  }
  return bad;
}

}  // namespace

GradcheckResult check_sample(const Sample& s, const GradcheckOptions& options) {
  GradcheckOptions opt = options;
  opt.eps *= s.eps_scale;
  return gradcheck_leaves([&s] { return s.f(s.inputs); }, checked_leaves(s), opt);
}

ReferenceResult check_reference(const Sample& s, uint64_t seed) {
  ReferenceResult r;
  if (!s.reference) return r;
  const auto leaves = checked_leaves(s);
  // Values, then the gradients of sum(y * c) for one random cotangent c.
  auto run = [&](const OpFn& fn, Tensor& y) {
    for (const auto& [name, t] : leaves) Tensor(t).set_grad(Tensor());
    y = fn(s.inputs);
    std::vector<Tensor> grads;
    if (!y.requires_grad()) return grads;
    Generator gen(seed);
    y.backward(randn(y.shape(), gen));
    for (const auto& [name, t] : leaves) grads.push_back(t.grad());
    return grads;
  };
  Tensor y, yr;
  const std::vector<Tensor> g = run(s.f, y), gr = run(s.reference, yr);
  for (const auto& [name, t] : leaves) Tensor(t).set_grad(Tensor());
  std::string bad = compare(y, yr, s.reference_tolerance, "value", r.worst);
  for (size_t k = 0; bad.empty() && k < g.size() && k < gr.size(); ++k)
    bad = compare(g[k], gr[k], s.reference_tolerance, "gradient of " + leaves[k].first, r.worst);
  if (bad.empty() && g.size() != gr.size()) bad = "one of the two has no gradient";
  r.ok = bad.empty();
  std::ostringstream os;
  os << (r.ok ? "agrees with its reference" : "differs from its reference: " + bad)
     << " (max |difference| " << r.worst << ")";
  r.message = os.str();
  return r;
}

}  // namespace attend
