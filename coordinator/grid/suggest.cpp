#include "coordinator/grid/suggest.h"

#include <algorithm>
#include <cctype>

namespace clipglass::grid {

size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme are enough for the adjacent-swap case.
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], before[j - 2] + 1);
      }
    }
    before.swap(prev);
    prev.swap(cur);
  }
  return prev[b.size()];
}

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string lower_word = Lower(word);
  size_t best = std::string::npos;
  std::string best_name;
  for (const std::string& candidate : candidates) {
    // Case slips ("Population") count as one edit, whatever their number.
    const std::string lower_candidate = Lower(candidate);
    size_t d = EditDistance(lower_word, lower_candidate);
    if (d == 0 && candidate != word) d = 1;
    if (d < best) {
      best = d;
      best_name = candidate;
    }
  }
  // A likely typo: at most 2 edits, or a third of the word for long names, and never a
  // wholesale replacement of a short word.
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  if (best == std::string::npos || best > limit || best >= word.size()) return "";
  return best_name;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string match = ClosestMatch(word, candidates);
  return match.empty() ? "" : " (did you mean '" + match + "'?)";
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace clipglass::grid
