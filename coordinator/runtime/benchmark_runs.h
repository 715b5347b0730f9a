// Sweeps over benchmark problems (ZDT1-3, sphere, Rastrigin) instead of models, so the whole
// distributed machinery (scheduler, gRPC, archive, resume) runs and is tested without LibTorch.
// Workers answer them with worker/runtime/benchmark_evaluator.
#pragma once

#include <string>

#include "common/status.h"
#include "coordinator/runtime/sweep.h"

namespace clipglass::coordinator {

struct BenchmarkRunOptions {
  std::string problem = "zdt1";  // zdt1 | zdt2 | zdt3 | sphere | rastrigin
  std::string algorithm;         // ga | nsga2; "" = nsga2 for ZDT, ga otherwise
  int population = 40;
  int generations = 20;
  int islands = 1;
  int migration_interval = 5;
  int migrants = 2;
  uint64_t seed = 0;
  int save_every = 10;
};

// One run; `index` orders it in the sweep and names it "NNNN-<problem>-s<seed>".
StatusOr<SweepRun> MakeBenchmarkRun(const BenchmarkRunOptions& options, int64_t index);

// A sweep of `seeds` runs of the same problem with seeds 0..seeds-1.
StatusOr<SweepInput> MakeBenchmarkSweep(const std::string& name, const BenchmarkRunOptions& options,
                                        int seeds);

}  // namespace clipglass::coordinator
