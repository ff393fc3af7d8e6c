// The gradient-check catalogue: one finite-difference check (autograd/gradcheck.h) for every op of
// the engine and every layer, on small random inputs kept away from kinks, as the unit tests in
// tests/autograd/test_ops_*.cpp and tests/layers/*.cpp set them up. `attend gradcheck` runs it and
// prints the checks sorted by their worst error; tests/study/test_gradcheck_catalog.cpp checks
// that every op the engine records (every record("name", ...) in autograd/) has a case.
//
// An op case checks the gradient of its inputs; a layer case checks its inputs and every
// parameter (perturbed in place). Each run builds fresh tensors and modules from fixed seeds, so
// a case gives the same result every time; the options' seed draws the cotangent.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"

namespace attend {

struct GradcheckCase {
  std::string name, kind;  // kind: "op" or "layer"
  std::function<GradcheckResult(const GradcheckOptions&)> run;
};

// Every case, ops first; names are unique.
const std::vector<GradcheckCase>& gradcheck_catalog();

// Returns y; while run_gradcheck_case is collecting ops, first adds the name of every node of the
// graph behind y. The catalogue's cases call it on their forward's output; a case of your own can.
Tensor trace_ops(Tensor y);

// Runs c with options; when ops is given, adds the name of every graph node (op) its forward
// records (the engine's node names, as in --detect-anomaly messages); when modules is given, adds
// the C++ class name of a layer case's module and of each of its submodules ("LSTM", "Linear").
// An exception thrown by the case becomes a failed result whose message says what was thrown.
GradcheckResult run_gradcheck_case(const GradcheckCase& c, const GradcheckOptions& options,
                                   std::set<std::string>* ops = nullptr,
                                   std::set<std::string>* modules = nullptr);

// The cases NAME selects: the one named exactly NAME, else every case whose name contains NAME
// (case-insensitive), or matches it as a glob pattern when it has * or ?. Empty if none.
std::vector<const GradcheckCase*> select_gradcheck_cases(const std::vector<GradcheckCase>& cases,
                                                         const std::string& name);
// Up to `limit` case names closest to NAME (edit distance), closest first, for "did you mean".
std::vector<std::string> close_gradcheck_names(const std::vector<GradcheckCase>& cases,
                                               const std::string& name, size_t limit = 5);

struct GradcheckRow {
  std::string name, kind;
  GradcheckResult result;
  double seconds = 0;
};

// Runs the cases and returns one row each, sorted by worst ratio (worst first; a failed case
// without a ratio, e.g. one that threw, first of all).
std::vector<GradcheckRow> run_gradcheck_cases(const std::vector<const GradcheckCase*>& cases,
                                              const GradcheckOptions& options);

// The table: name | kind | elements checked | worst |analytic - numeric| | at (input/parameter,
// index) | worst ratio to tolerance | ok; then the message of every failed row.
std::string format_gradcheck_table(const std::vector<GradcheckRow>& rows);
// "78 checks, 78 passed, worst ratio 0.31 (layer_norm)".
std::string gradcheck_summary(const std::vector<GradcheckRow>& rows);

}  // namespace attend
