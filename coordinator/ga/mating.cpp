#include "coordinator/ga/mating.h"

#include <algorithm>
#include <span>

#include "coordinator/ga/duplicates.h"
#include "coordinator/ga/selection.h"

namespace clipglass::ga {

std::vector<double> Recombine(const GaConfig& config, const Population& pop,
                              const std::vector<int>& parents, Rng& rng) {
  const int g = pop.num_genes;
  const int n_matings = static_cast<int>(parents.size()) / 2;
  std::vector<double> children(static_cast<size_t>(2) * n_matings * g);
  const auto child = [&](int c) {
    return std::span<double>(children.data() + static_cast<size_t>(c) * g, g);
  };
  std::vector<int> scratch;
  const auto& segments = config.space.segments;
  for (int k = 0; k < n_matings; ++k) {
    std::span<double> c0 = child(k);
    std::span<double> c1 = child(n_matings + k);
    std::copy(pop.x(parents[2 * k]).begin(), pop.x(parents[2 * k]).end(), c0.begin());
    std::copy(pop.x(parents[2 * k + 1]).begin(), pop.x(parents[2 * k + 1]).end(), c1.begin());
    const bool joint_cross =
        config.joint_crossover_prob && rng.Uniform() < *config.joint_crossover_prob;
    int offset = 0;
    for (size_t s = 0; s < segments.size(); ++s) {
      const CrossoverConfig& cx = config.operators[s].crossover;
      const bool cross = config.joint_crossover_prob ? joint_cross : rng.Uniform() < cx.prob;
      if (cross) {
        CrossSegment(cx, segments[s], rng, c0.subspan(offset, segments[s].size),
                     c1.subspan(offset, segments[s].size), &scratch);
      }
      offset += segments[s].size;
    }
  }
  for (int c = 0; c < 2 * n_matings; ++c) {
    std::span<double> x = child(c);
    int offset = 0;
    for (size_t s = 0; s < segments.size(); ++s) {
      MutateSegment(config.operators[s].mutation, segments[s], rng,
                    x.subspan(offset, segments[s].size));
      offset += segments[s].size;
    }
  }
  return children;
}

std::vector<double> MakeOffspring(const GaConfig& config, const Population& pop, int n_offspring,
                                  Rng& rng) {
  const int g = pop.num_genes;
  std::vector<double> off;
  off.reserve(static_cast<size_t>(n_offspring) * g);
  std::vector<int> scratch;
  for (int round = 1;; ++round) {
    const int have = static_cast<int>(off.size()) / g;
    if (have >= n_offspring) break;
    const int remaining = n_offspring - have;
    const int n_matings = (remaining + 1) / 2;
    const std::vector<int> parents = BinaryTournament(config.algorithm, config.nsga_tournament, pop,
                                                      n_matings, 2, rng, &scratch);
    std::vector<double> children = Recombine(config, pop, parents, rng);
    std::vector<int> keep;
    if (config.eliminate_duplicates) {
      const std::span<const double> others[] = {pop.genes, off};
      keep = NonDuplicateRows(children, g, others, config.duplicate_epsilon);
    } else {
      keep.resize(children.size() / g);
      for (size_t i = 0; i < keep.size(); ++i) keep[i] = static_cast<int>(i);
    }
    if (static_cast<int>(keep.size()) > remaining) keep.resize(remaining);
    for (int i : keep) {
      off.insert(off.end(), children.begin() + static_cast<ptrdiff_t>(i) * g,
                 children.begin() + static_cast<ptrdiff_t>(i + 1) * g);
    }
    if (round > config.max_mating_iterations) break;
  }
  return off;
}

std::vector<double> SampleGenomes(const GaConfig& config, const Population& pop, int count,
                                  Rng& rng) {
  const int g = config.space.num_genes();
  std::vector<double> x(static_cast<size_t>(count) * g);
  const auto& segments = config.space.segments;
  for (int i = 0; i < count; ++i) {
    int offset = static_cast<int>(static_cast<size_t>(i) * g);
    for (size_t s = 0; s < segments.size(); ++s) {
      SampleSegment(config.operators[s].sampler, segments[s], rng,
                    std::span<double>(x.data() + offset, segments[s].size));
      offset += segments[s].size;
    }
  }
  if (!config.eliminate_duplicates) return x;
  const std::span<const double> others[] = {pop.genes};
  const std::vector<int> keep = NonDuplicateRows(x, g, others, config.duplicate_epsilon);
  std::vector<double> unique;
  unique.reserve(keep.size() * g);
  for (int i : keep) {
    unique.insert(unique.end(), x.begin() + static_cast<ptrdiff_t>(i) * g,
                  x.begin() + static_cast<ptrdiff_t>(i + 1) * g);
  }
  return unique;
}

std::vector<double> SampleInitial(const GaConfig& config, Rng& rng) {
  return SampleGenomes(config, Population(config.space.num_genes(), config.num_objectives),
                       config.pop_size, rng);
}

}  // namespace clipglass::ga
