#include "layers/module.h"

#include <ostream>
#include <set>
#include <stdexcept>

namespace attend {

void Module::check_name(const std::string& name, const char* what) const {
  if (name.empty()) throw std::invalid_argument(std::string(what) + ": name must not be empty");
  if (name.find('.') != std::string::npos)
    throw std::invalid_argument(std::string(what) + ": name must not contain a dot (got '" + name +
                                "')");
  auto taken = [&name](const auto& list) {
    for (const auto& [n, _] : list)
      if (n == name) return true;
    return false;
  };
  if (taken(params_) || taken(buffers_) || taken(children_))
    throw std::invalid_argument(std::string(what) + ": '" + name + "' is already registered in " +
                                type_name());
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_name(name, "register_parameter");
  if (value.defined() && !value.requires_grad()) value.requires_grad_();
  params_.emplace_back(name, value);
  return value;
}

Tensor Module::tie_parameter(const std::string& name, const Tensor& shared) {
  for (auto& [n, t] : params_)
    if (n == name) {
      if (!shared.defined() || !shared.requires_grad() || !(shared.shape() == t.shape()))
        throw std::invalid_argument(
            "tie_parameter: '" + name + "' of " + type_name() + " has shape " + t.shape().str() +
            "; it can only be tied to a parameter of the same shape, got " +
            (shared.defined() ? shared.shape().str() : std::string("an undefined tensor")));
      t = shared;
      return shared;
    }
  throw std::invalid_argument("tie_parameter: " + type_name() + " has no parameter '" + name + "'");
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_name(name, "register_buffer");
  buffers_.emplace_back(name, value);
  return value;
}

void Module::collect(const std::string& prefix, bool recurse, bool buffers,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [n, t] : buffers ? buffers_ : params_)
    if (t.defined()) out.emplace_back(prefix + n, t);
  if (!recurse) return;
  for (const auto& [n, m] : children_) m->collect(prefix + n + ".", true, buffers, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> all, out;
  collect("", recurse, false, all);
  for (auto& entry : all) {
    bool seen = false;
    for (const auto& [_, t] : out) seen = seen || t.is_same(entry.second);
    if (!seen) out.push_back(std::move(entry));
  }
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", recurse, true, out);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [_, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const Tensor& t : parameters()) n += t.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [_, m] : children_) m->train(on);
}

void Module::zero_grad() {
  for (Tensor& t : parameters()) t.set_grad(Tensor());
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> out;
  std::vector<std::pair<std::string, Tensor>> params;
  collect("", true, false, params);  // every name of a tied parameter
  for (auto& [n, t] : params) out.emplace(n, t);
  for (auto& [n, t] : named_buffers()) out.emplace(n, t);
  return out;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  std::map<std::string, Tensor> own = state_dict();
  // A tied tensor is loaded through any one of its names.
  auto loaded_by_another_name = [&](const std::string& name, const Tensor& t) {
    for (const auto& [other, u] : own)
      if (other != name && u.is_same(t) && state.count(other)) return true;
    return false;
  };
  // Validate everything first so a failed load changes nothing.
  for (auto& [name, t] : own) {
    auto it = state.find(name);
    if (it == state.end()) {
      if (strict && !loaded_by_another_name(name, t))
        throw std::invalid_argument("load_state_dict: missing key '" + name + "' in " +
                                    type_name());
      continue;
    }
    if (!(it->second.shape() == t.shape()))
      throw std::invalid_argument("load_state_dict: '" + name + "' has shape " +
                                  it->second.shape().str() + " in the state dict but " +
                                  t.shape().str() + " in the model");
  }
  if (strict)
    for (auto& [name, _] : state)
      if (!own.count(name))
        throw std::invalid_argument("load_state_dict: unexpected key '" + name + "' for " +
                                    type_name());
  for (auto& [name, t] : own) {
    auto it = state.find(name);
    if (it != state.end()) copy_(t, it->second);
  }
}

void Module::print(std::string& out, int indent) const {
  // As torch.nn.Module.__repr__: "Type(extra)" for a leaf, otherwise one line per child.
  out += type_name();
  out += '(';
  const std::string extra = extra_repr();
  if (children_.empty()) {
    out += extra;
    out += ')';
    return;
  }
  auto newline = [&out](int n) {
    out += '\n';
    out.append(n, ' ');
  };
  if (!extra.empty()) {
    newline(indent + 2);
    out += extra;
  }
  for (const auto& [n, m] : children_) {
    newline(indent + 2);
    out += '(';
    out += n;
    out += "): ";
    m->print(out, indent + 2);
  }
  newline(indent);
  out += ')';
}

std::string Module::str() const {
  std::string out;
  print(out, 0);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Module& m) {
  return os << m.str();
}

}  // namespace attend
