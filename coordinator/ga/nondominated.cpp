#include "coordinator/ga/nondominated.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace clipglass::ga {

int Dominance(std::span<const double> a, std::span<const double> b) {
  bool a_better = false;
  bool b_better = false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k] < b[k]) a_better = true;
    if (b[k] < a[k]) b_better = true;
  }
  if (a_better && !b_better) return 1;
  if (b_better && !a_better) return -1;
  return 0;
}

std::vector<std::vector<int>> FastNonDominatedSort(std::span<const double> f, int m,
                                                   int stop_after) {
  const int n = static_cast<int>(f.size()) / m;
  std::vector<std::vector<int>> fronts;
  if (n == 0) return fronts;
  const auto row = [&](int i) { return f.subspan(static_cast<size_t>(i) * m, m); };

  // dominates[i]: the points i dominates; count[i]: how many points dominate i.
  std::vector<std::vector<int>> dominates(n);
  std::vector<int> count(n, 0);
  std::vector<int> current;
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const int rel = Dominance(row(i), row(j));
      if (rel == 1) {
        dominates[i].push_back(j);
        ++count[j];
      } else if (rel == -1) {
        dominates[j].push_back(i);
        ++count[i];
      }
    }
    if (count[i] == 0) current.push_back(i);
  }
  if (stop_after <= 0) stop_after = n;
  int ranked = static_cast<int>(current.size());
  fronts.push_back(current);
  while (ranked < n && ranked < stop_after) {
    std::vector<int> next;
    for (int i : current) {
      for (int j : dominates[i]) {
        if (--count[j] == 0) next.push_back(j);
      }
    }
    ranked += static_cast<int>(next.size());
    fronts.push_back(next);
    current = std::move(next);
  }
  return fronts;
}

std::vector<double> CrowdingDistance(std::span<const double> f, int m) {
  const int n = static_cast<int>(f.size()) / m;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (n <= 2) return std::vector<double>(n, kInf);
  const auto row = [&](int i) { return f.subspan(static_cast<size_t>(i) * m, m); };

  // Points within 1e-24 (Euclidean) of an earlier point are duplicates and get crowding 0.
  std::vector<int> unique;
  for (int i = 0; i < n; ++i) {
    bool duplicate = false;
    for (int j : unique) {
      double d2 = 0.0;
      for (int k = 0; k < m; ++k) {
        const double d = row(i)[k] - row(j)[k];
        d2 += d * d;
      }
      if (std::sqrt(d2) < 1e-24) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate) unique.push_back(i);
  }
  const int u = static_cast<int>(unique.size());
  std::vector<double> cd(u, 0.0);
  std::vector<int> order(u);
  const double kNan = std::numeric_limits<double>::quiet_NaN();
  for (int k = 0; k < m; ++k) {
    std::iota(order.begin(), order.end(), 0);
    const auto value = [&](int p) { return row(unique[p])[k]; };
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return value(a) < value(b); });
    double norm = value(order[u - 1]) - value(order[0]);
    if (norm == 0.0) norm = kNan;  // pymoo: NaN, so every distance in this objective becomes 0
    for (int p = 0; p < u; ++p) {
      double to_last = (p == 0 ? kInf : value(order[p]) - value(order[p - 1])) / norm;
      double to_next = (p == u - 1 ? kInf : value(order[p + 1]) - value(order[p])) / norm;
      if (std::isnan(to_last)) to_last = 0.0;
      if (std::isnan(to_next)) to_next = 0.0;
      cd[order[p]] += to_last + to_next;
    }
  }
  std::vector<double> crowding(n, 0.0);
  for (int p = 0; p < u; ++p) crowding[unique[p]] = cd[p] / m;
  return crowding;
}

}  // namespace clipglass::ga
