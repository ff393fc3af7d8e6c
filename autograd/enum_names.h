// Names of a closed set of choices (an enum class): the command line parses a name once into the
// enum, and the same name is written back wherever text is stored (config.json, a checkpoint's
// metadata), so files keep the words they always had.
//
//   enum class Fruit { kApple, kPear };
//   inline constexpr EnumNames<Fruit, 2> kFruits{{{{Fruit::kApple, "apple"}, {Fruit::kPear,
//   "pear"}}}}; kFruits.parse("pear", "fruit")   -> Fruit::kPear kFruits.parse("plum", "fruit")
//   throws std::invalid_argument("unknown fruit 'plum' (known:
//                                    apple, pear)")
//   kFruits.name(Fruit::kApple)      -> "apple"
//   kFruits.names()                  -> {"apple", "pear"} (CLI11's IsMember takes it)
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attend {

template <class E, size_t N>
struct EnumNames {
  std::array<std::pair<E, const char*>, N> table;  // in the order help texts list them

  constexpr const char* name(E value) const {
    for (const auto& [v, n] : table)
      if (v == value) return n;
    return "?";  // only for a value cast from outside the enum
  }
  constexpr std::optional<E> find(std::string_view text) const {
    for (const auto& [v, n] : table)
      if (text == n) return v;
    return std::nullopt;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : table) out.emplace_back(entry.second);
    return out;
  }
  // "a, b, c"
  std::string list() const {
    std::string out;
    for (const auto& entry : table) out += (out.empty() ? "" : ", ") + std::string(entry.second);
    return out;
  }
  // The value named text, or Error("unknown WHAT 'text' (known: a, b, c)").
  template <class Error = std::invalid_argument>
  E parse(std::string_view text, const std::string& what) const {
    if (const std::optional<E> v = find(text)) return *v;
    throw Error("unknown " + what + " '" + std::string(text) + "' (known: " + list() + ")");
  }
};

}  // namespace attend
