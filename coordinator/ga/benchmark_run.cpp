#include "coordinator/ga/benchmark_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "coordinator/ga/decision.h"
#include "coordinator/ga/hypervolume.h"
#include "coordinator/ga/presets.h"
#include "coordinator/ga/problems.h"

namespace clipglass::ga {

StatusOr<BenchmarkRunResult> RunBenchmark(const BenchmarkRunOptions& o) {
  CG_ASSIGN_OR_RETURN(Problem problem, MakeProblem(o.problem, o.num_variables));
  const AlgorithmKind kind =
      o.algorithm.value_or(problem.num_objectives > 1 ? AlgorithmKind::kNsga2 : AlgorithmKind::kGa);
  if (kind == AlgorithmKind::kGa && problem.num_objectives > 1) {
    return InvalidArgumentError(
        fmt::format("algorithm ga is single-objective but {} has {} objectives (use nsga2)",
                    problem.name, problem.num_objectives));
  }
  if (o.generations < 1) {
    return InvalidArgumentError(
        fmt::format("generations must be at least 1, got {}", o.generations));
  }
  if (o.batch < 0) return InvalidArgumentError(fmt::format("batch must be >= 0, got {}", o.batch));
  GaConfig config = BenchmarkConfig(problem, kind, o.pop_size);
  config.max_generations = o.generations;
  CG_ASSIGN_OR_RETURN(IslandModel model, IslandModel::Create(config, o.islands, o.seed));

  const auto start = std::chrono::steady_clock::now();
  const int batch = o.batch > 0 ? o.batch : std::numeric_limits<int>::max();
  std::vector<double> f(problem.num_objectives);
  while (!model.finished()) {
    const std::vector<Candidate> work = model.Ask(batch);
    if (work.empty()) return InternalError("the island model neither finished nor gave work");
    for (const Candidate& c : work) {
      problem.Evaluate(c.genes, f);
      CG_RETURN_IF_ERROR(model.Tell(c.id, f));
    }
  }
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;

  BenchmarkRunResult r;
  r.problem = problem.name;
  r.algorithm = kind;
  r.num_variables = problem.space.num_genes();
  r.num_objectives = problem.num_objectives;
  r.generations = model.island(0).generation();
  for (int i = 1; i < model.num_islands(); ++i) {
    r.generations = std::min(r.generations, model.island(i).generation());
  }
  r.evaluations = model.evaluations();
  r.wall_seconds = wall.count();
  const Population merged = model.MergedPopulation();
  if (problem.num_objectives == 2) {
    const std::vector<int> front = ParetoFront(merged);
    std::vector<double> pts;
    for (int i : front) pts.insert(pts.end(), merged.f(i).begin(), merged.f(i).end());
    r.hypervolume = Hypervolume2D(pts, {1.0, 1.0});
    r.true_front_hypervolume = TrueFrontHypervolume(problem.kind);
    r.front_size = static_cast<int>(front.size());
  } else {
    CG_ASSIGN_OR_RETURN(FinalDecision d, DecideFinal(AlgorithmKind::kGa, merged));
    r.best_value = merged.f(d.index)[0];
    r.best_genes.assign(merged.x(d.index).begin(), merged.x(d.index).end());
  }
  return r;
}

}  // namespace clipglass::ga
