// Pareto dominance, fast non-dominated sorting and crowding distance (all objectives minimised).
//
// Ref: Deb et al. 2002, "A fast and elitist multiobjective genetic algorithm: NSGA-II";
// pymoo 0.4.2 fast_non_dominated_sort and calc_crowding_distance (duplicates in objective space
// get crowding 0, boundary points +inf, the sum is divided by the number of objectives).
#pragma once

#include <span>
#include <vector>

namespace clipglass::ga {

// 1 if a dominates b, -1 if b dominates a, 0 otherwise.
int Dominance(std::span<const double> a, std::span<const double> b);

// Fronts of the `n` points in `f` ([n, num_objectives] row-major), best first. Sorting stops once
// at least `stop_after` points are ranked (pymoo's n_stop_if_ranked); <= 0 ranks all.
// The first front lists its points in index order, later fronts in discovery order.
std::vector<std::vector<int>> FastNonDominatedSort(std::span<const double> f, int num_objectives,
                                                   int stop_after = 0);

// Crowding distance of each of the n points in `f` (one front).
std::vector<double> CrowdingDistance(std::span<const double> f, int num_objectives);

}  // namespace clipglass::ga
