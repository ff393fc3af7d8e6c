// Helpers shared by the test suites: gradcheck assertions and the PyTorch fixture reader.
#pragma once

#include <unistd.h>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>

#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"

namespace attend::test {

// Inputs for gradchecks: uniform in [lo, hi], requiring grad.
inline Tensor param(const Shape& s, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Generator g(seed);
  Tensor t = uniform(s, lo, hi, g);
  t.requires_grad_();
  return t;
}

// Values bounded away from 0 (for kinks at 0 and for log/sqrt/div): |x| in [0.2, 1.2], random sign
// unless positive is set.
inline Tensor away_from_zero(const Shape& s, uint64_t seed, bool positive = false) {
  Generator g(seed);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) {
    float v = 0.2f + g.uniform();
    t.data()[i] = positive || g.uniform() < 0.5f ? v : -v;
  }
  t.requires_grad_();
  return t;
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
