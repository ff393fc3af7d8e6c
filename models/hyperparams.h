// Hyperparameters of a model, by name, as text: what the command line sets, what a checkpoint's
// "config" stores, and what a model constructor reads back with a type. Each model declares the
// ones it has (HyperparamSpec) so the CLI can offer them as options and reject the ones it lacks.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace attend {

// A bad hyperparameter value or name; the message names the parameter.
class HyperparamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HyperparamSpec {
  enum class Type { kInt, kFloat, kString, kBool };
  std::string name;
  Type type = Type::kInt;
  std::string default_value;
  std::string help;
  std::vector<std::string> choices;  // allowed values of a kString parameter; empty = any
  double min = 0, max = 0;           // inclusive range of a number; min == max = unchecked
};

// Spec builders, so a model's list reads as a table.
HyperparamSpec int_param(std::string name, int64_t default_value, std::string help, int64_t min,
                         int64_t max);
HyperparamSpec float_param(std::string name, double default_value, std::string help, double min,
                           double max);
HyperparamSpec bool_param(std::string name, bool default_value, std::string help);
HyperparamSpec choice_param(std::string name, std::string default_value, std::string help,
                            std::vector<std::string> choices);

class Hyperparams {
 public:
  Hyperparams() = default;
  // Defaults from specs, then overrides (name -> text); checks every name and value.
  Hyperparams(const std::vector<HyperparamSpec>& specs,
              const std::map<std::string, std::string>& overrides);

  int64_t get_int(const std::string& name) const;
  float get_float(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  const std::string& get(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  const std::map<std::string, std::string>& values() const { return values_; }

  // {"name": "value", ...} with values as strings, keys sorted: stored in checkpoints.
  std::string to_json() const;
  static Hyperparams from_json(const std::string& json);

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace attend
