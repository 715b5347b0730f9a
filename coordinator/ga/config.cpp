#include "coordinator/ga/config.h"

#include <fmt/format.h>

#include <cmath>

namespace clipglass::ga {

const char* AlgorithmKindName(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kGa:
      return "ga";
    case AlgorithmKind::kNsga2:
      return "nsga2";
  }
  return "unknown";
}

Status ValidateGaConfig(const GaConfig& c) {
  CG_RETURN_IF_ERROR(ValidateGenomeSpace(c.space));
  if (c.operators.size() != c.space.segments.size()) {
    return InvalidArgumentError(fmt::format("ga config: {} operator sets for {} genome segments",
                                            c.operators.size(), c.space.segments.size()));
  }
  for (size_t i = 0; i < c.operators.size(); ++i) {
    const Segment& s = c.space.segments[i];
    const std::string where = fmt::format("ga config: segment {} '{}'", i, s.name);
    CG_RETURN_IF_ERROR(ValidateSampler(c.operators[i].sampler, s, where));
    CG_RETURN_IF_ERROR(ValidateCrossover(c.operators[i].crossover, s, where));
    CG_RETURN_IF_ERROR(ValidateMutation(c.operators[i].mutation, s, where));
  }
  if (c.joint_crossover_prob &&
      !(*c.joint_crossover_prob >= 0.0 && *c.joint_crossover_prob <= 1.0)) {
    return InvalidArgumentError(fmt::format(
        "ga config: joint_crossover_prob must be in [0, 1], got {}", *c.joint_crossover_prob));
  }
  if (c.pop_size < 2) {
    return InvalidArgumentError(fmt::format(
        "ga config: pop_size must be at least 2 for a binary tournament, got {}", c.pop_size));
  }
  if (c.num_offspring < 0) {
    return InvalidArgumentError(fmt::format(
        "ga config: num_offspring must be >= 0 (0 = pop_size), got {}", c.num_offspring));
  }
  if (c.num_objectives < 1) {
    return InvalidArgumentError(
        fmt::format("ga config: num_objectives must be at least 1, got {}", c.num_objectives));
  }
  if (c.algorithm == AlgorithmKind::kGa && c.num_objectives != 1) {
    return InvalidArgumentError(fmt::format(
        "ga config: algorithm 'ga' is single-objective, got {} objectives (use 'nsga2')",
        c.num_objectives));
  }
  if (!c.directions.empty() && static_cast<int>(c.directions.size()) != c.num_objectives) {
    return InvalidArgumentError(fmt::format("ga config: {} directions for {} objectives",
                                            c.directions.size(), c.num_objectives));
  }
  if (!(c.duplicate_epsilon >= 0.0)) {
    return InvalidArgumentError("ga config: duplicate_epsilon must be >= 0");
  }
  if (c.max_mating_iterations < 0) {
    return InvalidArgumentError("ga config: max_mating_iterations must be >= 0");
  }
  if (c.max_generations < 0) {
    return InvalidArgumentError(fmt::format(
        "ga config: max_generations must be >= 0 (0 = no limit), got {}", c.max_generations));
  }
  if (c.migration_interval < 0) {
    return InvalidArgumentError(fmt::format(
        "ga config: migration_interval must be >= 0 (0 = never), got {}", c.migration_interval));
  }
  return Status::Ok();
}

GaConfig MakeGaConfig(AlgorithmKind algorithm, GenomeSpace space, const SegmentOperators& ops,
                      int pop_size, int num_objectives) {
  GaConfig c;
  c.algorithm = algorithm;
  c.operators.assign(space.segments.size(), ops);
  c.space = std::move(space);
  c.pop_size = pop_size;
  c.num_objectives = num_objectives;
  return c;
}

double ToMinimized(Direction direction, double told) {
  return direction == Direction::kMaximize ? -told : told;
}

double FromMinimized(Direction direction, double minimized) {
  return direction == Direction::kMaximize ? -minimized : minimized;
}

}  // namespace clipglass::ga
