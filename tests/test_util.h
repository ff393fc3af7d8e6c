// Helpers shared by the test suites: inputs, gradcheck and error assertions, and the PyTorch
// fixture reader.
#pragma once

#include <unistd.h>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "autograd/gradcheck.h"
#include "autograd/op_info.h"
#include "autograd/ops.h"
#include "autograd/sample_inputs.h"

namespace attend::test {

// Inputs for gradchecks: uniform in [lo, hi], requiring grad (autograd/sample_inputs.h has the
// others: away_from_zero, distinct_values, key_padding, ...).
inline Tensor param(const Shape& s, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  return make_input(s, seed, lo, hi);
}

// The input's accumulated gradient; stops the test case (instead of crashing) if there is none.
inline Tensor grad_of(const Tensor& t) {
  BOOST_REQUIRE_MESSAGE(t.grad().defined(), "no gradient reached the input");
  return t.grad();
}

// Multi-index of flat element i of a row-major tensor of shape s.
inline std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.ndim());
  for (int d = s.ndim() - 1; d >= 0; --d) {
    idx[d] = i % s[d];
    i /= s[d];
  }
  return idx;
}

// The descriptor of a test's own op (a deliberately wrong one, say), registered on first use as
// register_op() registers users' ops: record() takes only registered descriptors. It has no
// samples (the test checks the op itself), and is_test_op() tells the suite that checks every
// registered descriptor to pass it over.
inline std::map<std::string, std::unique_ptr<OpInfo>>& test_ops() {
  static std::map<std::string, std::unique_ptr<OpInfo>> ops;
  return ops;
}
inline const OpInfo& test_op(const std::string& name) {
  std::unique_ptr<OpInfo>& slot = test_ops()[name];
  if (!slot) {
    slot = std::make_unique<OpInfo>(OpInfo{.name = test_ops().find(name)->first.c_str(),
                                           .samples = [] { return std::vector<Sample>{}; }});
    register_op(*slot);
  }
  return *slot;
}
inline bool is_test_op(const OpInfo& info) {
  auto it = test_ops().find(info.name);
  return it != test_ops().end() && it->second.get() == &info;
}

#define ATTEND_CHECK_GRAD(f, inputs, ...)                          \
  do {                                                             \
    auto _res = ::attend::gradcheck((f), (inputs), ##__VA_ARGS__); \
    BOOST_CHECK_MESSAGE(_res.ok, _res.message);                    \
  } while (0)

// Gradcheck of every parameter of a module (any type with named_parameters() and type_name()),
// perturbed in place; returns the number of elements compared.
template <class M>
int64_t check_parameter_gradients(M& m, const std::function<Tensor()>& f,
                                  const GradcheckOptions& opt = {}) {
  GradcheckResult res = gradcheck_parameters(f, m.named_parameters(), opt);
  BOOST_TEST_MESSAGE(m.type_name() << ": " << res.message);
  BOOST_CHECK_MESSAGE(res.ok, m.type_name() << ": " << res.message);
  return res.checked;
}

// Element-wise closeness with a message naming the first bad element.
inline void check_close(const Tensor& actual, const Tensor& expected, float atol = 1e-5f,
                        float rtol = 1e-4f) {
  BOOST_REQUIRE_MESSAGE(actual.shape() == expected.shape(), "shape " << actual.shape().str()
                                                                     << " != expected "
                                                                     << expected.shape().str());
  for (int64_t i = 0; i < actual.numel(); ++i) {
    const float a = actual.data()[i], e = expected.data()[i];
    if (!(std::fabs(a - e) <= atol + rtol * std::fabs(e))) {
      BOOST_ERROR("element " << i << ": " << a << " != expected " << e);
      return;
    }
  }
}

// The message of the ShapeError that f throws; records an error if it throws none.
inline std::string shape_error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const ShapeError& e) {
    return e.what();
  }
  BOOST_ERROR("no ShapeError thrown");
  return "";
}

// Checks that an error message mentions every one of parts (op names, shapes, ...).
inline void check_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& p : parts)
    BOOST_CHECK_MESSAGE(message.find(p) != std::string::npos,
                        "error message \"" << message << "\" does not mention \"" << p << "\"");
}

// f must throw a ShapeError (not another exception) whose message mentions every one of parts;
// `what` names the case in the failure.
inline void expect_shape_error(const std::function<void()>& f,
                               const std::vector<std::string>& parts,
                               const std::string& what = "") {
  BOOST_TEST_CONTEXT(what) {
    try {
      f();
      BOOST_ERROR("no ShapeError thrown (expected one mentioning \"" << parts.front() << "\")");
    } catch (const ShapeError& e) {
      BOOST_TEST_MESSAGE("ShapeError: " << e.what());
      check_mentions(e.what(), parts);
    } catch (const std::exception& e) {
      BOOST_ERROR("threw something other than ShapeError: " << e.what());
    }
  }
}

// f must throw an E whose message is one line and mentions every one of parts (the file, line,
// key or option at fault): the form of every error a user sees.
template <class E>
void expect_one_line_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    BOOST_ERROR("no error thrown (expected one mentioning \""
                << (parts.empty() ? "" : parts.front()) << "\")");
  } catch (const E& e) {
    const std::string msg = e.what();
    BOOST_TEST_MESSAGE("error: " << msg);
    BOOST_CHECK_MESSAGE(msg.find('\n') == std::string::npos, "message is not one line: " << msg);
    check_mentions(msg, parts);
  }
}

// Fixtures written by tests/fixtures/gen_fixtures.py: "tensor NAME NDIM D0 D1 ..." then one line
// of values, for each tensor.
inline std::map<std::string, Tensor> load_fixtures(const std::string& file) {
  const std::string path = std::string(ATTEND_FIXTURE_DIR) + "/" + file;
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot open fixture file " + path +
                             " (run tests/fixtures/gen_fixtures.py)");
  std::map<std::string, Tensor> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream hs(line);
    std::string kw, name;
    int nd = 0;
    hs >> kw >> name >> nd;
    if (kw != "tensor") throw std::runtime_error(path + ": expected 'tensor', got: " + line);
    std::vector<int64_t> dims(nd);
    for (auto& d : dims) hs >> d;
    Tensor t = Tensor::empty(Shape(dims));
    std::getline(in, line);
    std::istringstream vs(line);
    for (int64_t i = 0; i < t.numel(); ++i) vs >> t.data()[i];
    if (!vs) throw std::runtime_error(path + ": too few values for " + name);
    out[name] = t;
  }
  return out;
}

// One fixture file, loaded once. get() stops the test case, naming the file and the script that
// regenerates it, when a tensor is missing.
class FixtureFile {
 public:
  FixtureFile(std::string file, std::string generator)
      : file_(std::move(file)), generator_(std::move(generator)), tensors_(load_fixtures(file_)) {}
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  const Tensor& get(const std::string& name) const {
    auto it = tensors_.find(name);
    BOOST_REQUIRE_MESSAGE(it != tensors_.end(), "fixture " << name << " is not in " << file_
                                                           << " (regenerate it: /usr/bin/python3 "
                                                           << generator_ << ")");
    return it->second;
  }
  const std::map<std::string, Tensor>& all() const { return tensors_; }

 private:
  std::string file_, generator_;
  std::map<std::string, Tensor> tensors_;
};

// A fresh directory under the system's temporary directory, removed with everything in it when
// the test ends. prefix names the suite, so leftovers (if a test is killed) say where they came
// from.
struct TmpDir {
  std::filesystem::path dir;
  explicit TmpDir(const std::string& prefix) {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~TmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
  // Names of the files in the directory (to find leftover temporary files).
  std::vector<std::string> list() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      out.push_back(e.path().filename().string());
    return out;
  }
};

}  // namespace attend::test
