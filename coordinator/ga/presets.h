// GA settings of the paper's nine generator configurations, faithful to the original (CLIP-GLaSS
// config.py + operators.py on pymoo 0.4.2) or with modern operator parameters.
//
// Objective conventions in every preset: objective 0 is CLIP cosine similarity (Direction
// kMaximize: tell the similarity itself; the engine works on -similarity like the original);
// objective 1, when present, is the discriminator hinge loss relu(1 - D(G(z))) (kMinimize).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/config.h"
#include "coordinator/ga/problems.h"

namespace clipglass::ga {

enum class Fidelity {
  // pymoo 0.4.2 exactly as the original ran it (including MixedVariableCrossover's joint 0.9 gate
  // for BigGAN, which overrides the config's SBX p=1.0 / HUX p=0.2).
  kFaithful,
  // Modern pymoo defaults for the real/integer operators (SBX prob 0.9, eta 15; PM eta 20 with
  // prob 1/n), per-segment crossover gates for mixed genomes; sampling, bool operators,
  // population sizes and the rest as the original.
  kModern,
};

const char* FidelityName(Fidelity fidelity);

// Names: GPT2, DeepMindBigGAN256, DeepMindBigGAN512, StyleGAN2_{ffhq,car,church}_{d,nod}.
std::vector<std::string> PaperPresetNames();

// The preset's config with max_generations = 500 (the original's n_gen).
StatusOr<GaConfig> PaperPreset(std::string_view name, Fidelity fidelity);

// Modern real-valued operators: uniform sampling, SBX (prob 0.9, eta 15, 0.5 per variable),
// polynomial mutation (eta 20, prob 1/n).
SegmentOperators ModernRealOperators();

// A config for a benchmark problem: modern operators, the given algorithm and population.
GaConfig BenchmarkConfig(const Problem& problem, AlgorithmKind algorithm, int pop_size);

}  // namespace clipglass::ga
