// Runs the engine on a benchmark problem through ask/tell, the way the coordinator drives it with
// remote workers: ask a batch, evaluate, tell. What `clipglass optimize` runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/config.h"
#include "coordinator/ga/island_model.h"

namespace clipglass::ga {

struct BenchmarkRunOptions {
  std::string problem;                     // zdt1, zdt2, zdt3, sphere, rastrigin
  int num_variables = 0;                   // 0 = the problem's default
  std::optional<AlgorithmKind> algorithm;  // default: nsga2 for 2 objectives, ga for 1
  int pop_size = 100;                      // per island
  int generations = 250;                   // pymoo counting (initial population = generation 1)
  uint64_t seed = 1;
  IslandConfig islands;
  int batch = 0;  // genomes per Ask; 0 = everything available
};

struct BenchmarkRunResult {
  std::string problem;
  AlgorithmKind algorithm = AlgorithmKind::kGa;
  int num_variables = 0;
  int num_objectives = 0;
  int generations = 0;  // reached by the slowest island
  int64_t evaluations = 0;
  double wall_seconds = 0.0;
  // Two objectives: hypervolume of the merged islands' Pareto front w.r.t. (1, 1), its size, and
  // the true front's hypervolume. One objective: the best value and its genome.
  double hypervolume = 0.0;
  double true_front_hypervolume = 0.0;
  int front_size = 0;
  double best_value = 0.0;
  std::vector<double> best_genes;
};

StatusOr<BenchmarkRunResult> RunBenchmark(const BenchmarkRunOptions& options);

}  // namespace clipglass::ga
