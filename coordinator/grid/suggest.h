// "Did you mean ...?" for unknown keys and names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace clipglass::grid {

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent characters each cost 1 ("sedes" -> "seed" is 2).
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a likely typo; "" otherwise.
// Ties go to the earliest candidate, so the answer does not depend on hash order.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" when ClosestMatch finds one, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c": candidates joined for a message.
std::string JoinNames(const std::vector<std::string>& names);

}  // namespace clipglass::grid
