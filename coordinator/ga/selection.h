// Binary tournament selection. Competitors come from concatenated random permutations of the
// population, so every individual enters about the same number of tournaments.
//
// Ref: pymoo 0.4.2 TournamentSelection (pressure 2), comp_by_cv_and_fitness (GA) and NSGA2's
// binary_tournament (dominance, then crowding; a coin on ties).
#pragma once

#include <vector>

#include "coordinator/ga/config.h"
#include "coordinator/ga/population.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga {

// Winner of a tournament between a and b (indices into pop).
int TournamentWinner(AlgorithmKind algorithm, NsgaTournament nsga, const Population& pop, int a,
                     int b, Rng& rng);

// n_select * n_parents winners; row-major [n_select, n_parents].
// REQUIRES: pop.size() >= 1.
std::vector<int> BinaryTournament(AlgorithmKind algorithm, NsgaTournament nsga,
                                  const Population& pop, int n_select, int n_parents, Rng& rng,
                                  std::vector<int>* scratch);

}  // namespace clipglass::ga
