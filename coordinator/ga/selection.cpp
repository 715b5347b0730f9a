#include "coordinator/ga/selection.h"

#include "coordinator/ga/nondominated.h"

namespace clipglass::ga {
namespace {

// pymoo's compare(..., return_random_if_equal=True) for "smaller is better".
int Smaller(int a, double va, int b, double vb, Rng& rng) {
  if (va < vb) return a;
  if (va > vb) return b;
  return rng.Bernoulli(0.5) ? a : b;
}

}  // namespace

int TournamentWinner(AlgorithmKind algorithm, NsgaTournament nsga, const Population& pop, int a,
                     int b, Rng& rng) {
  if (algorithm == AlgorithmKind::kGa) return Smaller(a, pop.f(a)[0], b, pop.f(b)[0], rng);
  if (nsga == NsgaTournament::kDominationThenCrowding) {
    const int rel = Dominance(pop.f(a), pop.f(b));
    if (rel == 1) return a;
    if (rel == -1) return b;
  } else {
    if (pop.rank[a] < pop.rank[b]) return a;
    if (pop.rank[a] > pop.rank[b]) return b;
  }
  // Larger crowding wins: compare the negated values as "smaller is better".
  return Smaller(a, -pop.crowding[a], b, -pop.crowding[b], rng);
}

std::vector<int> BinaryTournament(AlgorithmKind algorithm, NsgaTournament nsga,
                                  const Population& pop, int n_select, int n_parents, Rng& rng,
                                  std::vector<int>* perm) {
  const int n = pop.size();
  const int n_random = n_select * n_parents * 2;
  std::vector<int> competitors;
  competitors.reserve(n_random);
  while (static_cast<int>(competitors.size()) < n_random) {
    rng.Permutation(n, perm);
    for (int i : *perm) {
      if (static_cast<int>(competitors.size()) == n_random) break;
      competitors.push_back(i);
    }
  }
  std::vector<int> winners(static_cast<size_t>(n_select) * n_parents);
  for (size_t t = 0; t < winners.size(); ++t) {
    winners[t] =
        TournamentWinner(algorithm, nsga, pop, competitors[2 * t], competitors[2 * t + 1], rng);
  }
  return winners;
}

}  // namespace clipglass::ga
