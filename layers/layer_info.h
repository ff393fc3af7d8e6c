// Layer descriptors: an OpInfo (autograd/op_info.h) of kind kLayer beside every layer in
// layers/*.cpp, named after its class, held by layer_registry(). `attend gradcheck` and the test
// suite (tests/study/test_descriptors.cpp) check every sample -- the layer's inputs and every
// parameter against finite differences -- and compare the layer with PyTorch on its fixtures.
//
// How to add a layer (examples/temperature_attention.cpp is a complete one, outside the library):
//   1. Write the Module subclass in layers/NAME.{h,cpp}.
//   2. In NAME.cpp, its descriptor: samples that build the module (from a fixed seed; nonzero
//      biases with randomise_biases) and its inputs, and call forward:
//
//        const LayerInfo linear_layer{
//            .name = "Linear", .kind = OpKind::kLayer, .samples = [] {
//              Generator gen(1);
//              auto m = std::make_shared<Linear>(4, 3, gen);
//              return std::vector<Sample>{layer_sample(
//                  "[2, 4]", m, {{"x", make_input({2, 4}, 3)}},
//                  [m](const Inputs& x) { return m->forward(x[0]); })};
//            }};
//
//      and, if PyTorch has the layer, fixtures (layer_fixture) written by a script in
//      tests/fixtures/.
//   3. End NAME.cpp with std::vector<const LayerInfo*> NAME_layer_infos() { return {&...}; }
//   4. Add NAME to the list of layer files in layers/CMakeLists.txt: the build list is also the
//      registry's list (layer_lists.cpp is generated from it), so nothing else changes.
// A layer's descriptor names the C++ class: the test suite builds every model and requires a
// descriptor for the class of every module in it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/op_info.h"
#include "layers/module.h"

namespace attend {

// The same type as an op's descriptor: a layer is checked the way an op is, with its parameters
// as more tensors to perturb.
using LayerInfo = OpInfo;

// Every layer of the library (each layers file's list, in the order of layers/CMakeLists.txt) and
// those added with register_layer.
OpRegistry& layer_registry();
// For layers outside the library, from a static initialiser in an OBJECT library (examples/).
void register_layer(const LayerInfo& info);

// A sample of a layer: module's forward on the inputs (named, for reports), checked with respect
// to the inputs that require grad and every parameter of the module. eps_scale as in Sample.
Sample layer_sample(std::string name, std::shared_ptr<Module> module,
                    std::vector<std::pair<std::string, Tensor>> inputs, OpFn forward,
                    double eps_scale = 1.0);

// Biases and LayerNorm's affine parameters start at 0 and 1: give them values in [-0.5, 0.5]
// around those, so that one applied to the wrong rows shows.
void randomise_biases(Module& m, uint64_t seed);

// A case of a layer fixture file (tests/fixtures/layers.txt or attention.txt): the module make()
// builds from the case's options, loaded with torch's parameters strictly by torch's names; leaves
// for `inputs` (a name ending in '?' is optional: undefined when the case has none, as the initial
// states of some RNN cases) and the case's tensors for `constants` (undefined when the case has
// none); forward gives the outputs, by the names torch's are stored under.
using LayerFixtureForward = std::function<std::vector<std::pair<std::string, Tensor>>(
    Module& m, const std::map<std::string, Tensor>& inputs)>;
FixtureCase layer_fixture(std::string file, std::string key,
                          std::function<std::shared_ptr<Module>(const FixtureTensors&)> make,
                          std::vector<std::string> inputs, std::vector<std::string> constants,
                          LayerFixtureForward forward, Tolerance forward_tolerance,
                          Tolerance backward_tolerance);

}  // namespace attend
