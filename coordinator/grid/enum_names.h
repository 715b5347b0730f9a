// Name tables for the enums of the grid and config files: one table per enum is both the parser's
// list of accepted spellings and the printer's.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace clipglass::grid {

template <typename E>
struct EnumName {
  std::string_view name;
  E value;
};

// The name of `value` in `table`; "?" when missing (a programming error).
template <typename E>
std::string_view NameIn(std::span<const EnumName<E>> table, E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

// Every name of `table`, for messages and suggestions.
template <typename E>
std::vector<std::string> NamesOf(std::span<const EnumName<E>> table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.emplace_back(entry.name);
  return names;
}

}  // namespace clipglass::grid
