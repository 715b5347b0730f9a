#include "coordinator/ga/duplicates.h"

#include <cmath>

namespace clipglass::ga {

bool IsNearDuplicate(std::span<const double> a, std::span<const double> b, double epsilon) {
  const double eps2 = epsilon * epsilon;
  double d2 = 0.0;
  for (size_t k = 0; k < a.size(); ++k) {
    const double d = a[k] - b[k];
    d2 += d * d;
    if (!(d2 < eps2)) break;  // also stops on NaN, which pymoo counts as "not a duplicate"
  }
  return d2 < eps2;
}

std::vector<int> NonDuplicateRows(std::span<const double> candidates, int g,
                                  std::span<const std::span<const double>> others, double epsilon) {
  const int n = static_cast<int>(candidates.size()) / g;
  const auto row = [&](std::span<const double> m, int i) {
    return m.subspan(static_cast<size_t>(i) * g, g);
  };
  std::vector<int> keep;
  keep.reserve(n);
  for (int i = 0; i < n; ++i) {
    bool dup = false;
    for (int j = 0; j < i && !dup; ++j)
      dup = IsNearDuplicate(row(candidates, i), row(candidates, j), epsilon);
    if (!dup) keep.push_back(i);
  }
  for (std::span<const double> other : others) {
    const int m = static_cast<int>(other.size()) / g;
    std::vector<int> still;
    still.reserve(keep.size());
    for (int i : keep) {
      bool dup = false;
      for (int j = 0; j < m && !dup; ++j)
        dup = IsNearDuplicate(row(candidates, i), row(other, j), epsilon);
      if (!dup) still.push_back(i);
    }
    keep = std::move(still);
  }
  return keep;
}

}  // namespace clipglass::ga
