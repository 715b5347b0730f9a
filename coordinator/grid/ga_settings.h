// The genetic-algorithm settings of one run, as plain values (no YAML, no engine types).
//
// Defaults are the original CLIP-GLaSS values (DESIGN.md, "The GA as the original runs it"). The
// runtime maps these onto the GA engine in coordinator/ga; this header does not depend on it.
// docs/grid_format.md documents every field.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/grid/enum_names.h"

namespace clipglass::grid {

enum class Algorithm {
  kGa,            // single objective: binary tournament on fitness, elitist survival
  kNsga2,         // two objectives: rank/crowding tournament and survival
  kRandomSearch,  // baseline: every generation is a fresh sample; keeps the best seen
};
inline constexpr EnumName<Algorithm> kAlgorithmNames[] = {
    {"ga", Algorithm::kGa}, {"nsga2", Algorithm::kNsga2}, {"random", Algorithm::kRandomSearch}};
inline std::string_view AlgorithmName(Algorithm a) { return NameIn<Algorithm>(kAlgorithmNames, a); }

// Where migrants of island i go.
enum class Topology {
  kRing,    // to island (i + 1) mod K
  kRandom,  // to an island drawn from the run's RNG, never i itself
};
inline constexpr EnumName<Topology> kTopologyNames[] = {{"ring", Topology::kRing},
                                                        {"random", Topology::kRandom}};
inline std::string_view TopologyName(Topology t) { return NameIn<Topology>(kTopologyNames, t); }

enum class SegmentKind {
  kReal,     // doubles in [low, high]; operators SBX + polynomial mutation
  kInteger,  // integers in [low, high]; integer SBX + integer PM (rounded, clipped)
  kBool,     // booleans; operators HUX + bit-flip
};
inline constexpr EnumName<SegmentKind> kSegmentKindNames[] = {
    {"real", SegmentKind::kReal}, {"integer", SegmentKind::kInteger}, {"bool", SegmentKind::kBool}};
inline std::string_view SegmentKindName(SegmentKind k) {
  return NameIn<SegmentKind>(kSegmentKindNames, k);
}

// How the initial population of a segment is drawn.
enum class Sampler {
  kNormal,           // real: N(mean, std^2), not clipped (the original's StyleGAN2 sampling)
  kTruncatedNormal,  // real: N(mean, std^2) truncated to [low, high] (BigGAN's truncnorm[-2,2])
  kUniform,          // real: uniform in [low, high]; integer: uniform over low..high
  kBernoulli,        // bool: true with probability p
};
inline constexpr EnumName<Sampler> kSamplerNames[] = {{"normal", Sampler::kNormal},
                                                      {"truncnorm", Sampler::kTruncatedNormal},
                                                      {"uniform", Sampler::kUniform},
                                                      {"bernoulli", Sampler::kBernoulli}};
inline std::string_view SamplerName(Sampler s) { return NameIn<Sampler>(kSamplerNames, s); }

// A run of genes of one kind. A genome is a list of segments, concatenated in order (BigGAN:
// 128 real z values, then 1000 class bools).
struct GenomeSegment {
  std::string name;  // names the genes in archives and docs ("z", "classes")
  SegmentKind kind = SegmentKind::kReal;
  int64_t size = 1;  // number of genes, >= 1
  double low = 0;    // inclusive lower bound (real, integer); 0 for bool
  double high = 1;   // inclusive upper bound (real, integer); 1 for bool
  Sampler sampler = Sampler::kNormal;
  double mean = 0;    // normal, truncnorm
  double stddev = 1;  // normal, truncnorm; > 0 (YAML key `std`)
  double p = 0.5;     // bernoulli: probability of true
};

// Simulated binary crossover (real and integer segments), pymoo 0.4 semantics when faithful:
// `prob` is per mating, and each gene is exchanged with probability 0.5.
struct SbxSettings {
  double prob = 1.0;  // probability that a mating applies SBX at all
  double eta = 3.0;   // distribution index; larger keeps children closer to the parents
};

// Polynomial mutation (real and integer segments). When faithful, `prob` is PER GENE.
struct PmSettings {
  double prob = 0.5;  // probability that a gene mutates
  double eta = 3.0;   // distribution index
};

// Operator parameters, applied to every segment of the matching kind.
struct OperatorSettings {
  SbxSettings sbx;
  PmSettings pm;
  double hux_prob = 0.2;       // bool segments: probability that a mating applies HUX
  double bitflip_prob = 0.01;  // bool segments: per-gene flip probability (the original's 10/1000)
  // Integer segments as categories (token ids), not in the original; unset: SBX and polynomial
  // mutation as above. `uniform`: probability that a mating applies uniform crossover (each gene
  // swapped with probability 0.5); `reset`: per-gene probability of a uniform new value.
  std::optional<double> uniform_prob;
  std::optional<double> reset_prob;
};

// Island model: K populations per run exchange their best individuals every `interval`.
struct MigrationSettings {
  int64_t interval = 10;  // generations between migrations, >= 1 (unused with one island)
  int64_t count = 1;      // migrants per island per migration: the best, replacing the worst
  Topology topology = Topology::kRing;
};

struct GaSettings {
  Algorithm algorithm = Algorithm::kGa;  // the config's default follows its objectives
  int64_t population = 16;               // individuals per island
  int64_t batch_size = 4;                // genomes per evaluation request; never changes results
  int64_t generations = 500;             // generations per island, >= 1
  bool faithful = false;                 // reproduce pymoo 0.4.2 exactly (operators, order, ties)
  bool eliminate_duplicates = true;      // drop offspring identical to others (pymoo's default)
  OperatorSettings operators;
  int64_t islands = 1;  // populations per run; 1 = the plain algorithm
  MigrationSettings migration;
  int64_t save_every = 50;      // snapshot the population every N generations; 0 = end only
  int64_t max_evaluations = 0;  // evaluation budget per run (all islands); 0 = none
  // Two-objective runs: the pseudo-weights (similarity, discriminator loss) of the final pick on
  // the Pareto front; empty = the original's [0, 1], the front's lowest-loss end.
  std::vector<double> final_weights;
};

}  // namespace clipglass::grid
