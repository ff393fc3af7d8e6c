// Op descriptors: one OpInfo beside every op of the engine (autograd/ops_*.cpp) and beside every
// layer (layers/*.cpp, see layers/layer_info.h). From them, and nothing else, come the name of the
// op's graph nodes and profiler rows, `attend gradcheck`, the generic test suite
// (tests/study/test_descriptors.cpp: every sample against finite differences, every reference,
// every PyTorch fixture), and the check that every op the engine records is described. After
// PyTorch's OpInfo entries (torch/testing/_internal/common_methods_invocations.py) and ggml's
// test_case structs (tests/test-backend-ops.cpp).
//
// How to add an op (examples/ops_softplus.cpp is a complete one, outside the library):
//   1. Declare it in autograd/ops.h.
//   2. In the autograd/ops_*.cpp where it belongs, write its descriptor and then the op, whose
//      profiler scope, error messages and record() all take the descriptor's name:
//
//        const OpInfo softplus_op{
//            .name = "softplus",
//            .samples = [] {
//              return std::vector<Sample>{
//                  {.name = "[3, 4]",
//                   .inputs = {make_input({3, 4}, 1, -4.0f, 4.0f)},
//                   .f = [](const Inputs& x) { return softplus(x[0]); }},
//                  {.name = "0-d", ...},
//              };
//            }};
//
//        Tensor softplus(const Tensor& x) {
//          ProfileScope profile_scope(softplus_op.name);
//          Tensor out = ...;                                                  // the forward
//          return record(softplus_op, out, {&x}, [..](const Tensor& g) {..});  // its backward
//        }
//
//   3. Add &softplus_op to the list that ends the file (ops_FILE_op_infos()).
// That is all: `attend gradcheck softplus` checks it, the test suite runs every sample, `attend
// --profile` times it. A new ops_*.cpp file also goes into autograd/CMakeLists.txt, whose list of
// op files generates the central list (see there). record() accepts only a registered descriptor:
// an op whose descriptor is in no list throws on its first use, so none can be left out unseen.
//
// Samples: several per op -- shapes with broadcasting, 0-d and empty tensors, every option -- each
// built fresh by samples() from fixed seeds, with inputs kept clear of kinks and poles by more
// than the finite-difference step (autograd/sample_inputs.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/tensor.h"

namespace attend {

using Inputs = std::vector<Tensor>;
using OpFn = std::function<Tensor(const Inputs&)>;

// |actual - expected| <= atol + rtol * |expected|, element by element.
struct Tolerance {
  float atol = 1e-6f;
  float rtol = 1e-5f;
};

// One set of inputs an op (or a layer) is checked on.
struct Sample {
  std::string name = "";  // what it covers, unique in its op: "[2, 3, 1] with [3, 4]", "dim -1"
  // The op's tensor arguments. gradcheck perturbs those that require grad (they must be leaves);
  // the others are constants of the sample (a mask, a detached operand).
  Inputs inputs = {};
  // The op on the inputs. Any output shape; several outputs concatenated flat (cat_flat), so one
  // random cotangent weighs them all.
  OpFn f = nullptr;
  // A layer's parameters (module.named_parameters()), which f reads from its module: perturbed in
  // place and checked like the inputs.
  std::vector<std::pair<std::string, Tensor>> parameters = {};
  // Optional: the same function composed of simpler ops. Values, and gradients of every input and
  // parameter for one random cotangent, must agree with f's within reference_tolerance.
  OpFn reference = nullptr;
  Tolerance reference_tolerance = {};
  // The finite-difference step relative to GradcheckOptions::eps, where curvature needs a smaller
  // one (a LayerNorm over 4 features: 0.3).
  double eps_scale = 1.0;
  std::vector<std::string> input_names = {};  // for reports ("query"); "0", "1", ... when empty
};

// The tensors of one case of a PyTorch fixture file (tests/fixtures/*.txt, written by
// tests/fixtures/gen_*.py), by name without the "CASE." prefix: the inputs, each output OUT with
// its upstream gradient g_OUT, the gradients dIN of the inputs and grad.NAME of a module's
// parameters, torch's parameters param.NAME and the options opt.KEY (0-d).
class FixtureTensors {
 public:
  FixtureTensors(std::string key, std::map<std::string, Tensor> tensors)
      : key_(std::move(key)), tensors_(std::move(tensors)) {}
  const std::string& key() const { return key_; }
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  const Tensor& get(const std::string& name) const;  // throws std::out_of_range naming KEY.name
  Tensor leaf(const std::string& name) const;        // a fresh copy that requires grad
  Tensor optional(const std::string& name) const;    // undefined when the case has none
  float opt(const std::string& key) const;           // opt.KEY
  int64_t iopt(const std::string& key) const;        // opt.KEY, rounded
  std::map<std::string, Tensor> state() const;       // every param.NAME, keyed by NAME
  const std::map<std::string, Tensor>& all() const { return tensors_; }

 private:
  std::string key_;
  std::map<std::string, Tensor> tensors_;
};

// What a fixture case's run returns: the leaves it made and the outputs of its forward.
struct FixtureRun {
  std::vector<std::pair<std::string, Tensor>> inputs;      // gradient compared with dNAME
  std::vector<std::pair<std::string, Tensor>> parameters;  // loaded from param.*; grad.NAME
  std::vector<std::pair<std::string, Tensor>> outputs;     // compared with NAME; cotangent g_NAME
};

// One comparison with PyTorch: the case KEY of tests/fixtures/FILE, run through attend.
struct FixtureCase {
  std::string file;  // "autograd.txt", "layers.txt", "attention.txt"
  std::string key;
  Tolerance forward, backward;
  // Builds the computation from the case's tensors (a layer: with torch's parameters, loaded
  // strictly by torch's names) and runs its forward.
  std::function<FixtureRun(const FixtureTensors&)> run;
};

// A case of tests/fixtures/autograd.txt (tests/fixtures/gen_fixtures.py): f on leaves made from
// the case's tensors named in `inputs` (and on its constants, such as class targets), its output
// y compared with torch's, and the inputs' gradients for torch's cotangent g_y.
using FixtureFn = std::function<Tensor(const Inputs& leaves, const FixtureTensors& tensors)>;
FixtureCase autograd_fixture(std::string key, std::vector<std::string> inputs, FixtureFn f,
                             Tolerance forward = {1e-5f, 1e-4f},
                             Tolerance backward = {1e-5f, 1e-4f});

enum class OpKind { kOp, kLayer };

// The descriptor of an op or a layer. Constant-initialised (plain pointers), so ops in other
// files and static initialisers may use it whatever the order of initialisation.
struct OpInfo {
  // The op's graph node name, profiler row and `attend gradcheck` name; a layer's class name.
  const char* name = "";
  OpKind kind = OpKind::kOp;
  std::vector<Sample> (*samples)() = nullptr;
  std::vector<FixtureCase> (*fixtures)() = nullptr;  // optional
};

// The descriptors of ops (op_registry(), in autograd) or of layers (layer_registry(), in
// layers/). Names are unique within a registry.
class OpRegistry {
 public:
  explicit OpRegistry(const std::vector<const OpInfo*>& infos);
  // A user's op or layer (examples/): throws std::invalid_argument if the name is taken.
  void add(const OpInfo& info);
  const std::vector<const OpInfo*>& all() const { return infos_; }
  const OpInfo* find(std::string_view name) const;  // nullptr if none
  bool contains(const OpInfo& info) const { return members_.count(&info) != 0; }

 private:
  std::vector<const OpInfo*> infos_;
  std::unordered_set<const OpInfo*> members_;  // record() asks on every call: one hash lookup
};

// Every op of the library (each ops_*.cpp's list) and those added with register_op.
OpRegistry& op_registry();
// For ops outside the library, from a static initialiser in an OBJECT library (examples/).
void register_op(const OpInfo& info);

// The names of the ops in the graph behind y (its nodes, as record() named them).
std::vector<std::string> graph_op_names(const Tensor& y);

// v as printf's %g ("0.5", "-2", "0.333333"), for sample names.
std::string format_g(double v);

// Several outputs as one flat vector: [numel(a) + numel(b) + ...].
Tensor cat_flat(const std::vector<Tensor>& outputs);

// gradcheck of one sample: every input that requires grad and every parameter, perturbed in
// place, labelled "input NAME" and "parameter NAME"; the step scaled by the sample's eps_scale.
GradcheckResult check_sample(const Sample& s, const GradcheckOptions& options = {});

struct ReferenceResult {
  bool ok = true;
  float worst = 0;      // largest |f - reference| (values or gradients)
  std::string message;  // one line: where they differ, or how close they are
};
// Values and gradients (for the cotangent of seed) of s.f against s.reference.
ReferenceResult check_reference(const Sample& s, uint64_t seed = 1234);

}  // namespace attend
