// Crossover operators on one segment of one mating (two parents -> two children), with pymoo 0.4.2
// semantics: `prob` gates a whole mating; SBX then takes part per variable with
// `prob_per_variable` (0.5); integer SBX widens the bounds by 0.5 - 1e-16, runs real SBX and rounds
// half to even (numpy's np.round). HUX swaps ceil(k/2) of the k genes where the parents differ.
// Uniform crossover (not in the original) swaps each gene with probability 0.5: for integer
// segments whose values are categories (token ids), where SBX's notion of "between the parents"
// means nothing.
//
// Ref: Deb & Agrawal 1995 (SBX); pymoo 0.4.2 SimulatedBinaryCrossover, IntegerFromFloatCrossover
// (apply_float_operation), HalfUniformCrossover.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/genome.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga {

enum class CrossoverKind {
  kNone,     // children are copies of the parents
  kSbx,      // real and integer segments
  kHux,      // bool segments
  kUniform,  // any segment: each gene swapped with probability 0.5 (categorical genes)
};

const char* CrossoverKindName(CrossoverKind kind);

struct CrossoverConfig {
  CrossoverKind kind = CrossoverKind::kSbx;
  // Chance that a mating is crossed at all (pymoo's Crossover.prob); otherwise the children are
  // the parents. Unused when GaConfig::joint_crossover_prob is set.
  double prob = 0.9;
  // SBX distribution index: larger keeps children closer to their parents.
  double eta = 15.0;
  // SBX: chance that each variable takes part once the mating is crossed (0.5 in pymoo 0.4).
  double prob_per_variable = 0.5;
};

Status ValidateCrossover(const CrossoverConfig& config, const Segment& segment,
                         const std::string& where);

// Crosses one segment in place: c0 and c1 hold the two parents' genes on entry and the children's
// on return. Does not draw the mating gate (the caller does). `scratch` avoids reallocations.
void CrossSegment(const CrossoverConfig& config, const Segment& segment, Rng& rng,
                  std::span<double> c0, std::span<double> c1, std::vector<int>* scratch);

// SBX on one segment with the given (possibly widened) bounds; exposed for the tests.
void SbxReal(double eta, double prob_per_variable, double lower, double upper, Rng& rng,
             std::span<double> c0, std::span<double> c1);

// pymoo's integer bound widening: operators see [lower - w, upper + w] with w = 0.5 - 1e-16.
inline constexpr double kIntegerBoundWidening = 0.5 - 1e-16;

// Rounds half to even (np.round) and clips to [lower, upper].
double RoundInteger(double v, double lower, double upper);

}  // namespace clipglass::ga
