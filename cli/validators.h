// Option validators CLI11 lacks. CLI::Range lets NaN through (every comparison with NaN is false),
// and an unsigned option takes "-1" as 18446744073709551615 (strtoull wraps it): both reached the
// optimizer, the beam search or the seed unchecked.
#pragma once
#include <CLI/CLI.hpp>
#include <cstddef>
#include <filesystem>
#include <string>

#include "autograd/enum_names.h"

namespace attend::cli {

// CLI::Range (same help text, same message) that also refuses NaN.
class Range : public CLI::Validator {
 public:
  template <class T>
  Range(T min_val, T max_val) : CLI::Validator(CLI::Range(min_val, max_val)) {
    CLI::Validator range = CLI::Range(min_val, max_val);
    func_ = [range, min_val, max_val](std::string& input) mutable {
      T value{};
      if (CLI::detail::lexical_cast(input, value) && !(value >= min_val && value <= max_val))
        return "Value " + input + " not in range " + std::to_string(min_val) + " to " +
               std::to_string(max_val);
      return range(input);
    };
  }
};

// For unsigned options: refuses a negative value instead of letting it wrap around.
inline CLI::Validator not_negative() {
  return CLI::Validator(
      [](std::string& input) {
        const auto first = input.find_first_not_of(" \t");
        return first != std::string::npos && input[first] == '-'
                   ? "Value " + input + " is negative; expected a whole number >= 0"
                   : std::string();
      },
      "");
}

// An option taking one name of a closed set, parsed once into its enum. Help and errors are
// CLI::IsMember's ("TEXT:{a,b,c}"); the name as given stays the option's result, so the
// config.toml a run writes keeps the word.
template <class E, size_t N>
CLI::Option* add_choice(CLI::App& app, const std::string& name, E& value,
                        const EnumNames<E, N>& names, const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&value, names](const std::string& text) { value = *names.find(text); }, help)
      ->check(CLI::IsMember(names.names()));
}

// An output file option (--out, --output) checked before any work is done: not empty, not a
// directory, and in an existing directory. what names what to give ("an HTML file").
inline void check_output_file(const std::string& option, const std::string& path,
                              const std::string& what) {
  namespace fs = std::filesystem;
  if (path.empty()) throw CLI::ValidationError(option, "empty path; give " + what);
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw CLI::ValidationError(option, path + " is a directory; give " + what);
  const fs::path parent = fs::absolute(path).parent_path();
  if (!fs::is_directory(parent, ec))
    throw CLI::ValidationError(
        option, "cannot write " + path + ": " + parent.string() + " is not an existing directory");
}

}  // namespace attend::cli
