#include "coordinator/ga/decision.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "coordinator/ga/nondominated.h"

namespace clipglass::ga {

StatusOr<int> PseudoWeightsDecision(std::span<const double> f, int m,
                                    std::span<const double> weights) {
  const int n = static_cast<int>(f.size()) / m;
  if (n == 0) return FailedPreconditionError("pseudo-weights: no points");
  std::vector<double> lo(m, std::numeric_limits<double>::infinity());
  std::vector<double> hi(m, -std::numeric_limits<double>::infinity());
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < m; ++k) {
      lo[k] = std::min(lo[k], f[i * m + k]);
      hi[k] = std::max(hi[k], f[i * m + k]);
    }
  }
  for (int k = 0; k < m; ++k) {
    if (!(hi[k] - lo[k] >= 1e-8)) {
      return FailedPreconditionError(
          fmt::format("pseudo-weights: objective {} spans only {:.3g} on the front (need >= 1e-8)",
                      k, hi[k] - lo[k]));
    }
  }
  int best = 0;
  double best_dist = std::numeric_limits<double>::infinity();
  std::vector<double> w(m);
  for (int i = 0; i < n; ++i) {
    double sum = 0.0;
    for (int k = 0; k < m; ++k) {
      w[k] = (hi[k] - f[i * m + k]) / (hi[k] - lo[k]);
      sum += w[k];
    }
    double dist = 0.0;
    for (int k = 0; k < m; ++k) dist += std::fabs(w[k] / sum - weights[k]);
    // np.argmin: the first minimum; a NaN (sum == 0) wins like in numpy.
    if (std::isnan(dist)) return i;
    if (dist < best_dist) {
      best_dist = dist;
      best = i;
    }
  }
  return best;
}

int AsfDecision(std::span<const double> f, int m, std::span<const double> weights) {
  const int n = static_cast<int>(f.size()) / m;
  constexpr double kUtopian = 0.0 - 1e-10;
  int best = 0;
  double best_v = std::numeric_limits<double>::infinity();
  for (int i = 0; i < n; ++i) {
    double v = -std::numeric_limits<double>::infinity();
    for (int k = 0; k < m; ++k) {
      const double w = weights[k] == 0.0 ? 1e-12 : weights[k];
      v = std::max(v, (f[i * m + k] - kUtopian) / w);
    }
    if (v < best_v) {
      best_v = v;
      best = i;
    }
  }
  return best;
}

std::vector<int> ParetoFront(const Population& pop) {
  std::vector<int> front;
  for (int i = 0; i < pop.size(); ++i) {
    bool dominated = false;
    for (int j = 0; j < pop.size() && !dominated; ++j) {
      dominated = j != i && Dominance(pop.f(j), pop.f(i)) == 1;
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

StatusOr<FinalDecision> DecideFinal(AlgorithmKind algorithm, const Population& pop,
                                    std::span<const double> weights) {
  if (pop.size() == 0) return FailedPreconditionError("final decision: empty population");
  FinalDecision d;
  if (algorithm == AlgorithmKind::kGa) {
    d.index = 0;
    for (int i = 1; i < pop.size(); ++i) {
      if (pop.f(i)[0] < pop.f(d.index)[0]) d.index = i;
    }
    return d;
  }
  const int m = pop.num_objectives;
  std::vector<double> w(weights.begin(), weights.end());
  if (w.empty()) {
    // The original's weights [0, 1] for two objectives; uniform otherwise.
    w.assign(m, m == 2 ? 0.0 : 1.0 / m);
    if (m == 2) w[1] = 1.0;
  }
  if (static_cast<int>(w.size()) != m) {
    return InvalidArgumentError(
        fmt::format("final decision: {} weights for {} objectives", w.size(), m));
  }
  const std::vector<int> front = ParetoFront(pop);
  std::vector<double> f;
  for (int i : front) f.insert(f.end(), pop.f(i).begin(), pop.f(i).end());
  StatusOr<int> pw = PseudoWeightsDecision(f, m, w);
  if (pw.ok()) {
    d.index = front[*pw];
  } else {
    d.index = front[AsfDecision(f, m, w)];
    d.used_asf_fallback = true;
  }
  return d;
}

}  // namespace clipglass::ga
