#include "models/hyperparams.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

namespace attend {
namespace {

const HyperparamSpec* find_spec(const std::vector<HyperparamSpec>& specs, const std::string& name) {
  for (const auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out;
}

bool parse_bool(const std::string& text, bool& value) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return value = true, true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return value = false, true;
  return false;
}

template <class T>
bool parse_number(const std::string& text, T& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && !text.empty();
}

// "0.95", not std::to_string's "0.950000".
std::string shortest(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

void check_value(const HyperparamSpec& spec, const std::string& text) {
  const std::string where = "hyperparameter '" + spec.name + "' = '" + text + "': ";
  double number = 0;
  switch (spec.type) {
    case HyperparamSpec::Type::kInt: {
      int64_t v = 0;
      if (!parse_number(text, v)) throw HyperparamError(where + "expected an integer");
      number = static_cast<double>(v);
      break;
    }
    case HyperparamSpec::Type::kFloat: {
      float v = 0;
      if (!parse_number(text, v)) throw HyperparamError(where + "expected a number");
      number = v;
      break;
    }
    case HyperparamSpec::Type::kBool: {
      bool v = false;
      if (!parse_bool(text, v)) throw HyperparamError(where + "expected true or false");
      return;
    }
    case HyperparamSpec::Type::kString:
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end())
        throw HyperparamError(where + "expected one of " + join(spec.choices));
      return;
  }
  // Written so that NaN (from_chars reads "nan") fails it too.
  if (spec.min != spec.max && !(number >= spec.min && number <= spec.max))
    throw HyperparamError(where + "out of range [" + shortest(spec.min) + ", " +
                          shortest(spec.max) + "]");
}

}  // namespace

HyperparamSpec int_param(std::string name, int64_t default_value, std::string help, int64_t min,
                         int64_t max) {
  HyperparamSpec s;
  s.name = std::move(name);
  s.type = HyperparamSpec::Type::kInt;
  s.default_value = std::to_string(default_value);
  s.help = std::move(help);
  s.min = static_cast<double>(min);
  s.max = static_cast<double>(max);
  return s;
}

HyperparamSpec float_param(std::string name, double default_value, std::string help, double min,
                           double max) {
  HyperparamSpec s;
  s.name = std::move(name);
  s.type = HyperparamSpec::Type::kFloat;
  std::ostringstream os;  // shortest form: "0.1", not to_string's "0.100000"
  os << default_value;
  s.default_value = os.str();
  s.help = std::move(help);
  s.min = min;
  s.max = max;
  return s;
}

HyperparamSpec bool_param(std::string name, bool default_value, std::string help) {
  HyperparamSpec s;
  s.name = std::move(name);
  s.type = HyperparamSpec::Type::kBool;
  s.default_value = default_value ? "true" : "false";
  s.help = std::move(help);
  return s;
}

HyperparamSpec choice_param(std::string name, std::string default_value, std::string help,
                            std::vector<std::string> choices) {
  HyperparamSpec s;
  s.name = std::move(name);
  s.type = HyperparamSpec::Type::kString;
  s.default_value = std::move(default_value);
  s.help = std::move(help);
  s.choices = std::move(choices);
  return s;
}

Hyperparams::Hyperparams(const std::vector<HyperparamSpec>& specs,
                         const std::map<std::string, std::string>& overrides) {
  for (const auto& s : specs) values_[s.name] = s.default_value;
  for (const auto& [name, value] : overrides) {
    const HyperparamSpec* spec = find_spec(specs, name);
    if (!spec) {
      std::vector<std::string> names;
      for (const auto& s : specs) names.push_back(s.name);
      throw HyperparamError("unknown hyperparameter '" + name +
                            "' (this model has: " + join(names) + ")");
    }
    values_[name] = value;
  }
  for (const auto& s : specs) check_value(s, values_[s.name]);
}

const std::string& Hyperparams::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw HyperparamError("missing hyperparameter '" + name + "'");
  return it->second;
}

int64_t Hyperparams::get_int(const std::string& name) const {
  int64_t v = 0;
  if (!parse_number(get(name), v))
    throw HyperparamError("hyperparameter '" + name + "' = '" + get(name) + "' is not an integer");
  return v;
}

float Hyperparams::get_float(const std::string& name) const {
  float v = 0;
  if (!parse_number(get(name), v))
    throw HyperparamError("hyperparameter '" + name + "' = '" + get(name) + "' is not a number");
  return v;
}

bool Hyperparams::get_bool(const std::string& name) const {
  bool v = false;
  if (!parse_bool(get(name), v))
    throw HyperparamError("hyperparameter '" + name + "' = '" + get(name) + "' is not a boolean");
  return v;
}

std::string Hyperparams::to_json() const {
  return nlohmann::json(values_).dump();
}

Hyperparams Hyperparams::from_json(const std::string& json) {
  Hyperparams h;
  try {
    h.values_ = nlohmann::json::parse(json).get<std::map<std::string, std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw HyperparamError(std::string("hyperparameters are not a JSON object of strings: ") +
                          e.what());
  }
  return h;
}

}  // namespace attend
