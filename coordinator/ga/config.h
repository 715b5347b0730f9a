// Everything that defines one GA population's behaviour (one island). Plain data with defaults;
// checked once by ValidateGaConfig and then trusted. Presets live in presets.h.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/crossover.h"
#include "coordinator/ga/genome.h"
#include "coordinator/ga/mutation.h"
#include "coordinator/ga/sampling.h"

namespace clipglass::ga {

enum class AlgorithmKind {
  kGa,     // single objective: binary tournament on fitness, elitist (mu + lambda) survival
  kNsga2,  // multi-objective: rank-and-crowding tournament and survival
};

const char* AlgorithmKindName(AlgorithmKind kind);

// How an objective told by the caller is turned into the minimised value the engine works on.
enum class Direction {
  kMinimize,  // stored as told (e.g. the discriminator's hinge loss)
  kMaximize,  // stored negated (e.g. CLIP similarity: the engine works on -similarity, as the
              // original's problem returned F = -sim to pymoo)
};

// NSGA-II's binary tournament. pymoo 0.4.2's NSGA2 uses kDominationThenCrowding.
enum class NsgaTournament {
  kDominationThenCrowding,  // Pareto dominance, then larger crowding, then a coin
  kRankThenCrowding,        // lower front rank, then larger crowding, then a coin
};

// The operators of one genome segment.
struct SegmentOperators {
  SamplerConfig sampler;
  CrossoverConfig crossover;
  MutationConfig mutation;
};

struct GaConfig {
  AlgorithmKind algorithm = AlgorithmKind::kGa;
  GenomeSpace space;
  // One entry per segment of `space`, in the same order.
  std::vector<SegmentOperators> operators;
  // When set, ONE draw per mating decides whether all segments are crossed together, and the
  // segments' own crossover.prob is unused. This is pymoo 0.4.2's MixedVariableCrossover, whose
  // default prob (0.9) silently replaced the per-type probs of the original's BigGAN config.
  std::optional<double> joint_crossover_prob;

  int pop_size = 100;
  int num_offspring = 0;  // per generation; 0 = pop_size (pymoo's n_offsprings=None)
  int num_objectives = 1;
  // Per objective; empty = all kMinimize.
  std::vector<Direction> directions;

  // pymoo's eliminate_duplicates=True: a new genome within `duplicate_epsilon` (Euclidean) of a
  // population member, or of an earlier new genome, is dropped and mating is repeated, at most
  // `max_mating_iterations` + 1 rounds (pymoo's n_max_iterations = 100).
  bool eliminate_duplicates = true;
  double duplicate_epsilon = 1e-16;
  int max_mating_iterations = 100;

  NsgaTournament nsga_tournament = NsgaTournament::kDominationThenCrowding;

  // The random-search baseline: every batch after the first is a fresh sample of the space (the
  // segments' samplers) instead of offspring. Survival still runs, so the population is the best
  // found so far, and the budget is spent exactly as the GA spends it.
  bool random_search = false;

  // Generations in pymoo's counting: the evaluated initial population is generation 1, so G
  // generations cost pop + (G - 1) * num_offspring evaluations. 0 = no limit.
  int max_generations = 0;

  // Set by the island model: after the survival of every generation that is a multiple of this,
  // the algorithm waits for immigrants before it mates. 0 = never.
  int migration_interval = 0;

  int offspring_per_generation() const { return num_offspring > 0 ? num_offspring : pop_size; }
  Direction direction(int objective) const {
    return directions.empty() ? Direction::kMinimize : directions[objective];
  }
};

// One line naming the field at fault.
Status ValidateGaConfig(const GaConfig& config);

// A GaConfig whose segments all use the same operators.
GaConfig MakeGaConfig(AlgorithmKind algorithm, GenomeSpace space, const SegmentOperators& ops,
                      int pop_size, int num_objectives);

// Told value -> minimised value and back (negation is exact, so both are lossless).
double ToMinimized(Direction direction, double told);
double FromMinimized(Direction direction, double minimized);

}  // namespace clipglass::ga
