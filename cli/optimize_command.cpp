// `clipglass optimize --problem zdt1 ...`: runs the GA engine through ask/tell on a benchmark
// problem and prints the final hypervolume (two objectives) or best value (one objective).
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "coordinator/ga/benchmark_run.h"

namespace clipglass::cli {
namespace {

struct OptimizeFlags {
  std::string problem;
  std::string algorithm;  // empty = by the number of objectives
  std::string topology = "ring";
  int islands = 1;
  int pop = 100;
  int generations = 250;
  uint64_t seed = 1;
  int migration_interval = 10;
  int migrants = 2;
  int variables = 0;
  int batch = 0;
  bool json = false;
};

Status ToOptions(const OptimizeFlags& f, ga::BenchmarkRunOptions* o) {
  if (f.problem != "zdt1" && f.problem != "zdt2" && f.problem != "zdt3" && f.problem != "sphere" &&
      f.problem != "rastrigin") {
    return InvalidArgumentError(fmt::format(
        "--problem must be one of zdt1, zdt2, zdt3, sphere, rastrigin; got '{}'", f.problem));
  }
  if (!f.algorithm.empty() && f.algorithm != "ga" && f.algorithm != "nsga2") {
    return InvalidArgumentError(
        fmt::format("--algorithm must be ga or nsga2; got '{}'", f.algorithm));
  }
  if (f.topology != "ring" && f.topology != "random") {
    return InvalidArgumentError(
        fmt::format("--topology must be ring or random; got '{}'", f.topology));
  }
  if (f.islands < 1)
    return InvalidArgumentError(fmt::format("--islands must be at least 1; got {}", f.islands));
  if (f.pop < 2)
    return InvalidArgumentError(fmt::format("--pop must be at least 2; got {}", f.pop));
  if (f.generations < 1) {
    return InvalidArgumentError(
        fmt::format("--generations must be at least 1; got {}", f.generations));
  }
  if (f.migration_interval < 0) {
    return InvalidArgumentError(
        fmt::format("--migration-interval must be >= 0 (0 = never); got {}", f.migration_interval));
  }
  if (f.migrants < 0 || f.migrants > f.pop) {
    return InvalidArgumentError(
        fmt::format("--migrants must be between 0 and --pop ({}); got {}", f.pop, f.migrants));
  }
  if (f.variables < 0 || (f.variables == 1 && f.problem.starts_with("zdt"))) {
    return InvalidArgumentError(fmt::format(
        "--variables must be positive (at least 2 for zdt problems; 0 = default); got {}",
        f.variables));
  }
  if (f.batch < 0)
    return InvalidArgumentError(fmt::format("--batch must be >= 0; got {}", f.batch));
  o->problem = f.problem;
  if (!f.algorithm.empty()) {
    o->algorithm = f.algorithm == "ga" ? ga::AlgorithmKind::kGa : ga::AlgorithmKind::kNsga2;
  }
  o->num_variables = f.variables;
  o->pop_size = f.pop;
  o->generations = f.generations;
  o->seed = f.seed;
  o->batch = f.batch;
  o->islands.num_islands = f.islands;
  o->islands.migration_interval = f.migration_interval;
  o->islands.migrants = f.migrants;
  o->islands.topology = f.topology == "ring" ? ga::Topology::kRing : ga::Topology::kRandom;
  return Status::Ok();
}

void Print(const OptimizeFlags& f, const ga::BenchmarkRunResult& r) {
  if (f.json) {
    nlohmann::json j = {
        {"problem", r.problem},         {"algorithm", ga::AlgorithmKindName(r.algorithm)},
        {"variables", r.num_variables}, {"objectives", r.num_objectives},
        {"islands", f.islands},         {"pop", f.pop},
        {"generations", r.generations}, {"seed", f.seed},
        {"evaluations", r.evaluations}, {"wall_seconds", r.wall_seconds}};
    if (r.num_objectives == 2) {
      j["hypervolume"] = r.hypervolume;
      j["true_front_hypervolume"] = r.true_front_hypervolume;
      j["front_size"] = r.front_size;
    } else {
      j["best"] = r.best_value;
    }
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf(
      "%s (%d variables, %d objective%s) with %s: %d island%s x pop %d, %d generations, seed "
      "%llu\n",
      r.problem.c_str(), r.num_variables, r.num_objectives, r.num_objectives > 1 ? "s" : "",
      ga::AlgorithmKindName(r.algorithm), f.islands, f.islands > 1 ? "s" : "", f.pop, r.generations,
      static_cast<unsigned long long>(f.seed));
  if (r.num_objectives == 2) {
    std::printf("hypervolume (ref 1,1): %.6f (true front %.6f), front of %d\n", r.hypervolume,
                r.true_front_hypervolume, r.front_size);
  } else {
    std::printf("best value: %.6g\n", r.best_value);
  }
  std::printf("evaluations: %lld\n", static_cast<long long>(r.evaluations));
  std::printf("wall time: %.3f s\n", r.wall_seconds);
}

}  // namespace

void AddOptimizeCommand(CLI::App& app) {
  auto flags = std::make_shared<OptimizeFlags>();
  CLI::App* sub = app.add_subcommand(
      "optimize", "Run the GA engine (GA / NSGA-II, islands, ask/tell) on a benchmark problem");
  sub->add_option("--problem", flags->problem, "zdt1, zdt2, zdt3 (2 objectives), sphere, rastrigin")
      ->required();
  sub->add_option("--algorithm", flags->algorithm,
                  "ga or nsga2 (default: nsga2 for zdt*, ga otherwise)");
  sub->add_option("--islands", flags->islands, "islands per run")->capture_default_str();
  sub->add_option("--pop", flags->pop, "population per island")->capture_default_str();
  sub->add_option("--generations", flags->generations,
                  "generations, the initial population counting as the first")
      ->capture_default_str();
  sub->add_option("--seed", flags->seed, "run seed")->capture_default_str();
  sub->add_option("--migration-interval", flags->migration_interval,
                  "generations between migrations (0 = never)")
      ->capture_default_str();
  sub->add_option("--migrants", flags->migrants, "individuals each island sends per migration")
      ->capture_default_str();
  sub->add_option("--topology", flags->topology, "ring or random")->capture_default_str();
  sub->add_option("--variables", flags->variables,
                  "number of variables (0 = the problem's default)");
  sub->add_option("--batch", flags->batch, "genomes per ask (0 = all available)");
  sub->add_flag("--json", flags->json, "print one JSON object");
  sub->callback([flags] {
    ga::BenchmarkRunOptions options;
    CheckOk(ToOptions(*flags, &options));
    StatusOr<ga::BenchmarkRunResult> result = ga::RunBenchmark(options);
    CheckOk(result.status());
    Print(*flags, *result);
  });
}

}  // namespace clipglass::cli
