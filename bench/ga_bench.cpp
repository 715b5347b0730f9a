// Cost of one GA / NSGA-II generation step in the coordinator: Ask the whole offspring batch,
// Tell every result (the last Tell runs survival, then selection, crossover, mutation and
// duplicate elimination for the next batch). Objective values are computed with the timer paused,
// so the figures are the engine's own cost. Genomes and operators are the paper's, faithful to
// pymoo 0.4 (the expensive setting: PM on every second gene): 512 genes = StyleGAN2 (real in
// [-10, 10]); 1128 genes = BigGAN (128 real + 1000 bool).
//
// Run: build-ga/bench/ga_bench   (per_individual = wall time of a step / population size)
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "coordinator/ga/algorithm.h"
#include "coordinator/ga/presets.h"

namespace clipglass::ga {
namespace {

GaConfig BenchConfig(AlgorithmKind kind, int genes, int pop) {
  const char* preset =
      genes == 512 ? (kind == AlgorithmKind::kNsga2 ? "StyleGAN2_ffhq_d" : "StyleGAN2_ffhq_nod")
                   : "DeepMindBigGAN256";
  GaConfig c = *PaperPreset(preset, Fidelity::kFaithful);
  c.algorithm = kind;
  c.num_objectives = kind == AlgorithmKind::kNsga2 ? 2 : 1;
  c.directions.assign(c.num_objectives, Direction::kMinimize);
  c.pop_size = pop;
  c.max_generations = 0;
  return c;
}

// A cheap stand-in with the right shape: a smooth similarity-like value and a loss-like one.
void Objectives(const std::vector<double>& x, int m, double* f) {
  double a = 0.0, b = 0.0;
  for (size_t i = 0; i < x.size(); i += 8) a += std::sin(x[i]);
  for (size_t i = 1; i < x.size(); i += 8) b += x[i] * x[i];
  f[0] = a;
  if (m == 2) f[1] = b;
}

void Step(benchmark::State& state, AlgorithmKind kind) {
  const int pop = static_cast<int>(state.range(0));
  const int genes = static_cast<int>(state.range(1));
  const GaConfig config = BenchConfig(kind, genes, pop);
  StatusOr<Algorithm> algo = Algorithm::Create(config, 1);
  if (!algo.ok()) {
    state.SkipWithError(algo.status().message().c_str());
    return;
  }
  const int m = config.num_objectives;
  std::vector<double> f(static_cast<size_t>(2) * pop * m);
  for (auto _ : state) {
    std::vector<Candidate> batch = algo->Ask(1 << 30);
    state.PauseTiming();
    f.resize(batch.size() * m);
    for (size_t i = 0; i < batch.size(); ++i) Objectives(batch[i].genes, m, &f[i * m]);
    state.ResumeTiming();
    for (size_t i = 0; i < batch.size(); ++i) {
      Status st = algo->Tell(batch[i].id, std::span<const double>(&f[i * m], m));
      if (!st.ok()) state.SkipWithError(st.message().c_str());
    }
  }
  state.counters["per_individual"] =
      benchmark::Counter(static_cast<double>(pop), benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
  state.counters["generation"] = algo->generation();
}

void BM_GaStep(benchmark::State& state) { Step(state, AlgorithmKind::kGa); }
void BM_Nsga2Step(benchmark::State& state) { Step(state, AlgorithmKind::kNsga2); }

void Sizes(benchmark::internal::Benchmark* b) {
  for (int genes : {512, 1128}) {
    for (int pop : {16, 100, 1000}) b->Args({pop, genes});
  }
  b->ArgNames({"pop", "genes"})->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_GaStep)->Apply(Sizes);
BENCHMARK(BM_Nsga2Step)->Apply(Sizes);

}  // namespace
}  // namespace clipglass::ga

BENCHMARK_MAIN();
