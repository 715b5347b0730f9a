// The final pick of a run. GA: the best individual. NSGA-II: pymoo's pseudo-weights decision on the
// Pareto front with weights [0, 1] (as CLIP-GLaSS's run.py), falling back to the achievement
// scalarising function (ASF) when pseudo-weights cannot normalise the front.
//
// Ref: Deb, "Multi-Objective Optimization Using Evolutionary Algorithms" (2001), pseudo-weight
// vector (section 8.3); pymoo 0.4.2 PseudoWeights + normalize (raises when a range is < 1e-8),
// ASF with ideal point 0, utopian = ideal - 1e-10 and zero weights replaced by 1e-12.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/config.h"
#include "coordinator/ga/population.h"

namespace clipglass::ga {

// Index (into the n points of `f`, [n, m] row-major) closest to `weights` in pseudo-weight space;
// FailedPrecondition when some objective's range over the points is below 1e-8.
StatusOr<int> PseudoWeightsDecision(std::span<const double> f, int m,
                                    std::span<const double> weights);

// argmin over the points of max_k (f_k - utopian_k) / w_k.
int AsfDecision(std::span<const double> f, int m, std::span<const double> weights);

// Indices (into pop) of its non-dominated individuals, in population order.
std::vector<int> ParetoFront(const Population& pop);

struct FinalDecision {
  int index = -1;                  // into the population passed in
  bool used_asf_fallback = false;  // NSGA-II only
};

// GA: the first individual with the lowest objective. NSGA-II: pseudo-weights on the Pareto front
// (ASF when that fails). `weights` defaults to the original's [0, 1] for two objectives.
StatusOr<FinalDecision> DecideFinal(AlgorithmKind algorithm, const Population& pop,
                                    std::span<const double> weights = {});

}  // namespace clipglass::ga
