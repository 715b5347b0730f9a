#include "coordinator/runtime/benchmark_runs.h"

#include <fmt/format.h>

#include "coordinator/ga/presets.h"
#include "coordinator/ga/problems.h"

namespace clipglass::coordinator {

StatusOr<SweepRun> MakeBenchmarkRun(const BenchmarkRunOptions& options, int64_t index) {
  CG_ASSIGN_OR_RETURN(ga::Problem problem, ga::MakeProblem(options.problem));
  std::string algorithm = options.algorithm;
  if (algorithm.empty()) algorithm = problem.num_objectives == 2 ? "nsga2" : "ga";
  if (algorithm != "ga" && algorithm != "nsga2") {
    return InvalidArgumentError("algorithm must be ga or nsga2, got '" + algorithm + "'");
  }
  if (algorithm == "ga" && problem.num_objectives != 1) {
    return InvalidArgumentError(options.problem + " has two objectives: use nsga2");
  }
  SweepRun run;
  run.index = index;
  run.seed = options.seed;
  run.id = fmt::format("{:04d}-{}-s{}", index, options.problem, options.seed);
  run.save_every = options.save_every;
  RunSetup& setup = run.setup;
  setup.ga = ga::BenchmarkConfig(
      problem, algorithm == "ga" ? ga::AlgorithmKind::kGa : ga::AlgorithmKind::kNsga2,
      options.population);
  setup.ga.max_generations = options.generations;
  // The wire carries similarity = -f1 (maximised) and discriminator_loss = f2.
  setup.ga.directions = {ga::Direction::kMaximize};
  setup.objective_names = {"similarity"};
  if (problem.num_objectives == 2) {
    setup.ga.directions.push_back(ga::Direction::kMinimize);
    setup.objective_names.push_back("discriminator_loss");
  }
  setup.islands.num_islands = options.islands;
  setup.islands.migration_interval = options.islands > 1 ? options.migration_interval : 0;
  setup.islands.migrants = options.migrants;
  CG_RETURN_IF_ERROR(ga::ValidateIslandConfig(setup.islands, setup.ga));
  setup.model.set_family(options.problem);
  setup.model.set_key("benchmark:" + options.problem);
  setup.target.set_id("benchmark");
  setup.target.set_caption(options.problem);
  for (const ga::Segment& s : setup.ga.space.segments) {
    setup.layout.push_back({wire::GeneKind::kReal, s.size});
  }
  run.attributes = {{"problem", options.problem},
                    {"algorithm", algorithm},
                    {"seed", static_cast<int64_t>(options.seed)},
                    {"population", int64_t{options.population}},
                    {"islands", int64_t{options.islands}}};
  run.config_yaml = fmt::format(
      "problem: {}\nalgorithm: {}\npopulation: {}\ngenerations: {}\nislands: {}\nseed: {}\n",
      options.problem, algorithm, options.population, options.generations, options.islands,
      options.seed);
  return run;
}

StatusOr<SweepInput> MakeBenchmarkSweep(const std::string& name, const BenchmarkRunOptions& options,
                                        int seeds) {
  SweepInput input;
  input.name = name;
  input.grid_path = "(benchmark " + options.problem + ")";
  for (int s = 0; s < seeds; ++s) {
    BenchmarkRunOptions o = options;
    o.seed = static_cast<uint64_t>(s);
    CG_ASSIGN_OR_RETURN(SweepRun run, MakeBenchmarkRun(o, s));
    input.grid_yaml += run.config_yaml + "---\n";
    input.runs.push_back(std::move(run));
  }
  return input;
}

}  // namespace clipglass::coordinator
