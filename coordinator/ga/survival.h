// Survival: which individuals of parents + offspring make the next population.
//
// Ref: pymoo 0.4.2 FitnessSurvival (sort by fitness, keep the best n) and RankAndCrowdingSurvival
// (whole fronts while they fit; the splitting front by crowding distance, descending, ties broken
// at random through randomized_argsort).
#pragma once

#include <vector>

#include "coordinator/ga/config.h"
#include "coordinator/ga/population.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga {

// Indices of the n best by the single objective, best first. Ties keep their population order
// (a stable sort; pymoo's unstable argsort orders ties arbitrarily).
std::vector<int> FitnessSurvival(const Population& pop, int n_survive);

// Indices of the survivors in survival order. Writes rank and crowding of every individual of the
// fronts it looked at into pop. Draws from rng only when a front has to be split.
std::vector<int> RankAndCrowdingSurvival(Population& pop, int n_survive, Rng& rng);

// The next population: the algorithm's survival applied to `pop` (rank/crowding set for NSGA-II).
// With n_survive >= pop.size() this only orders and annotates (pymoo's survival after
// initialisation), and draws nothing from rng.
Population Survive(AlgorithmKind algorithm, Population pop, int n_survive, Rng& rng);

// Individuals from best to worst: GA by fitness; NSGA-II by rank, then larger crowding. Stable.
// Used to pick emigrants (the first m) and the individuals they replace (the last m).
std::vector<int> QualityOrder(AlgorithmKind algorithm, const Population& pop);

}  // namespace clipglass::ga
