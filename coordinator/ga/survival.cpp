#include "coordinator/ga/survival.h"

#include <algorithm>
#include <numeric>

#include "coordinator/ga/nondominated.h"

namespace clipglass::ga {

std::vector<int> FitnessSurvival(const Population& pop, int n_survive) {
  std::vector<int> order(pop.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return pop.f(a)[0] < pop.f(b)[0]; });
  order.resize(std::min<size_t>(order.size(), std::max(n_survive, 0)));
  return order;
}

std::vector<int> RankAndCrowdingSurvival(Population& pop, int n_survive, Rng& rng) {
  const int m = pop.num_objectives;
  const auto fronts = FastNonDominatedSort(pop.objectives, m, n_survive);
  std::vector<int> survivors;
  std::vector<double> front_f;
  std::vector<int> perm;
  for (size_t k = 0; k < fronts.size(); ++k) {
    const std::vector<int>& front = fronts[k];
    front_f.clear();
    for (int i : front) front_f.insert(front_f.end(), pop.f(i).begin(), pop.f(i).end());
    const std::vector<double> cd = CrowdingDistance(front_f, m);
    for (size_t j = 0; j < front.size(); ++j) {
      pop.rank[front[j]] = static_cast<int>(k);
      pop.crowding[front[j]] = cd[j];
    }
    const int room = n_survive - static_cast<int>(survivors.size());
    if (room <= 0) break;
    if (static_cast<int>(front.size()) > room) {
      // randomized_argsort(descending): shuffle, sort ascending, reverse -> ties at random.
      const int n = static_cast<int>(front.size());
      rng.Permutation(n, &perm);
      std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) { return cd[a] < cd[b]; });
      std::reverse(perm.begin(), perm.end());
      for (int j = 0; j < room; ++j) survivors.push_back(front[perm[j]]);
    } else {
      survivors.insert(survivors.end(), front.begin(), front.end());
    }
  }
  return survivors;
}

Population Survive(AlgorithmKind algorithm, Population pop, int n_survive, Rng& rng) {
  if (algorithm == AlgorithmKind::kGa) {
    return pop.Select(FitnessSurvival(pop, n_survive));
  }
  const std::vector<int> idx = RankAndCrowdingSurvival(pop, n_survive, rng);
  return pop.Select(idx);
}

std::vector<int> QualityOrder(AlgorithmKind algorithm, const Population& pop) {
  std::vector<int> order(pop.size());
  std::iota(order.begin(), order.end(), 0);
  if (algorithm == AlgorithmKind::kGa) {
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return pop.f(a)[0] < pop.f(b)[0]; });
  } else {
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      if (pop.rank[a] != pop.rank[b]) return pop.rank[a] < pop.rank[b];
      return pop.crowding[a] > pop.crowding[b];
    });
  }
  return order;
}

}  // namespace clipglass::ga
