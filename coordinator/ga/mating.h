// Making one generation's offspring: tournament selection, crossover, mutation, duplicate
// elimination, repeated until enough unique offspring exist or the rounds run out.
//
// Ref: pymoo 0.4.2 Mating / InfillCriterion.do: each round selects ceil(n_remaining / 2) pairs;
// the children are laid out as [first child of every mating..., second child of every mating...];
// duplicates are dropped; the survivors are truncated to n_remaining; at most
// n_max_iterations + 1 rounds.
#pragma once

#include <vector>

#include "coordinator/ga/config.h"
#include "coordinator/ga/population.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga {

// Crossover + mutation of the given parent pairs (parents[2k], parents[2k+1] are indices into
// pop); returns 2 * n_matings genomes, row-major, in pymoo's layout.
std::vector<double> Recombine(const GaConfig& config, const Population& pop,
                              const std::vector<int>& parents, Rng& rng);

// Up to `n_offspring` new genomes (row-major [k, num_genes], k <= n_offspring). Fewer only when
// duplicate elimination could not find enough unique ones; empty means the search is exhausted.
std::vector<double> MakeOffspring(const GaConfig& config, const Population& pop, int n_offspring,
                                  Rng& rng);

// `count` fresh samples of the space (the segments' samplers), minus duplicates of each other and
// of `pop` when duplicates are eliminated. Row-major [k, num_genes], k <= count.
std::vector<double> SampleGenomes(const GaConfig& config, const Population& pop, int count,
                                  Rng& rng);

// The initial population's genomes: pop_size samples, minus duplicates when they are eliminated.
std::vector<double> SampleInitial(const GaConfig& config, Rng& rng);

}  // namespace clipglass::ga
