#include "layers/layer_info.h"

namespace attend {

// Every layers file's list, in the order of layers/CMakeLists.txt (layer_lists.cpp, generated
// there).
std::vector<const OpInfo*> library_layer_infos();

OpRegistry& layer_registry() {
  // Built on first use, as op_registry() (autograd/op_info.cpp says why not by registrars).
  static OpRegistry registry(library_layer_infos());
  return registry;
}

void register_layer(const LayerInfo& info) {
  layer_registry().add(info);
}

Sample layer_sample(std::string name, std::shared_ptr<Module> module,
                    std::vector<std::pair<std::string, Tensor>> inputs, OpFn forward,
                    double eps_scale) {
  Sample s{.name = std::move(name), .f = std::move(forward), .eps_scale = eps_scale};
  for (auto& [input_name, t] : inputs) {
    s.input_names.push_back(input_name);
    s.inputs.push_back(t);
  }
  s.parameters = module->named_parameters();
  return s;
}

void randomise_biases(Module& m, uint64_t seed) {
  Generator g(seed);
  for (auto& [name, p] : m.named_parameters())
    if ((name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) ||
        name.find("norm") != std::string::npos) {
      NoGradGuard ng;
      Tensor noise = uniform(p.shape(), -0.5f, 0.5f, g);
      add_(p, noise);
    }
}

FixtureCase layer_fixture(std::string file, std::string key,
                          std::function<std::shared_ptr<Module>(const FixtureTensors&)> make,
                          std::vector<std::string> inputs, std::vector<std::string> constants,
                          LayerFixtureForward forward, Tolerance forward_tolerance,
                          Tolerance backward_tolerance) {
  auto run = [make = std::move(make), inputs = std::move(inputs), constants = std::move(constants),
              forward = std::move(forward)](const FixtureTensors& t) {
    std::shared_ptr<Module> m = make(t);
    try {
      m->load_state_dict(t.state());
    } catch (const std::exception& e) {
      throw std::invalid_argument(std::string("torch's parameters do not load: ") + e.what());
    }
    FixtureRun r;
    std::map<std::string, Tensor> in;
    for (std::string name : inputs) {
      const bool optional = !name.empty() && name.back() == '?';
      if (optional) name.pop_back();
      if (optional && !t.has(name)) {
        in[name] = Tensor();
        continue;
      }
      in[name] = t.leaf(name);
      r.inputs.emplace_back(name, in[name]);
    }
    for (const std::string& name : constants) in[name] = t.optional(name);
    r.parameters = m->named_parameters();
    r.outputs = forward(*m, in);
    return r;
  };
  return {std::move(file), std::move(key), forward_tolerance, backward_tolerance, std::move(run)};
}

}  // namespace attend
