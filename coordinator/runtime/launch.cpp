#include "coordinator/runtime/launch.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "common/file_util.h"
#include "coordinator/grid/grid.h"
#include "coordinator/grid/sha256.h"

namespace clipglass::coordinator {
namespace {

std::string NowUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string Hostname() {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

}  // namespace

StatusOr<std::string> ReadToken(const std::string& file) {
  if (file.empty()) {
    const char* env = std::getenv("CLIPGLASS_TOKEN");
    return std::string(env != nullptr ? env : "");
  }
  CG_ASSIGN_OR_RETURN(std::string text, ReadFileToString(file));
  const size_t end = text.find_first_of("\r\n");
  if (end != std::string::npos) text.resize(end);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
  if (text.empty()) return InvalidArgumentError(file + ": the token file is empty");
  return text;
}

StatusOr<std::unique_ptr<Coordinator>> PrepareCoordinator(const LaunchOptions& options) {
  std::optional<results::SweepRecord> previous;
  std::string grid_path = options.grid_path;
  if (!options.resume.empty()) {
    CG_ASSIGN_OR_RETURN(results::SweepRecord record, results::ReadArchive(options.resume));
    if (grid_path.empty() && options.benchmark.empty()) grid_path = record.grid_path;
    previous = std::move(record);
  }

  SweepInput input;
  grid::Grid grid;
  if (!options.benchmark.empty()) {
    if (!grid_path.empty()) return InvalidArgumentError("give a grid or --benchmark, not both");
    BenchmarkRunOptions benchmark = options.benchmark_options;
    benchmark.problem = options.benchmark;
    CG_ASSIGN_OR_RETURN(input, MakeBenchmarkSweep("benchmark-" + options.benchmark, benchmark,
                                                  options.benchmark_seeds));
    grid.archive = input.name + ".h5";
  } else {
    if (grid_path.empty()) return InvalidArgumentError("no grid file given");
    grid::GridOptions grid_options;
    grid_options.configs_dir = options.configs_dir;
    grid_options.weights_dir = options.weights_dir;
    CG_ASSIGN_OR_RETURN(grid, grid::LoadGrid(grid_path, grid_options));
    input.name = grid.name;
    input.grid_path = grid.path;
    input.grid_yaml = grid.source_text;
    for (const grid::RunSpec& spec : grid.runs) {
      CG_ASSIGN_OR_RETURN(SweepRun run, FromGridRun(spec));
      input.runs.push_back(std::move(run));
    }
  }

  std::unique_ptr<Sweep> sweep;
  if (previous) {
    CG_ASSIGN_OR_RETURN(sweep, Sweep::Resume(std::move(input), *previous));
  } else {
    CG_ASSIGN_OR_RETURN(sweep, Sweep::Create(std::move(input)));
  }

  CoordinatorOptions coordinator;
  coordinator.listen = options.listen;
  coordinator.token = options.token;
  coordinator.archive_path = !options.resume.empty() && options.archive.empty() ? options.resume
                             : !options.archive.empty()                         ? options.archive
                                                                                : grid.archive;
  coordinator.lease_timeout = options.lease_timeout;
  coordinator.checkpoint_interval = options.checkpoint_interval;
  coordinator.progress = options.progress;
  coordinator.provenance.program_version = options.program_version;
  coordinator.provenance.git_commit = CLIPGLASS_GIT_COMMIT;
  coordinator.provenance.created_utc = previous ? previous->provenance.created_utc : NowUtc();
  coordinator.provenance.hostname = Hostname();
  for (const grid::RunSpec& spec : grid.runs) {
    for (const grid::WeightsFile* file : grid::AllWeights(spec.config)) {
      // Hashed where the coordinator can read the file (always with `run`); "" where the
      // weights live only on the workers' storage. Each file is hashed once per launch.
      if (coordinator.provenance.weights_sha256.count(file->path) == 0) {
        coordinator.provenance.weights_sha256.emplace(file->path,
                                                      grid::Sha256HexOfFile(file->path));
      }
    }
  }
  const std::filesystem::path archive_dir =
      std::filesystem::path(coordinator.archive_path).parent_path();
  if (!archive_dir.empty() && !std::filesystem::is_directory(archive_dir)) {
    return NotFoundError(coordinator.archive_path + ": the archive's folder does not exist");
  }
  return std::make_unique<Coordinator>(std::move(sweep), coordinator);
}

std::string SummarizeSweep(const results::SweepRecord& sweep) {
  std::string out = fmt::format("{:<36} {:>9} {:>11} {:>10} {:>9} {:>8}  {}\n", "run", "state",
                                "generations", "best sim", "D loss", "evals", "output");
  for (const results::RunRecord& run : sweep.runs) {
    const double best = run.stats.empty() ? std::nan("") : run.stats.back().best_similarity;
    double loss = std::nan("");
    std::string output;
    if (run.final_individual) {
      if (run.final_individual->objectives.size() > 1) loss = run.final_individual->objectives[1];
      output = !run.final_individual->caption.empty() ? "\"" + run.final_individual->caption + "\""
               : !run.final_individual->image.empty()
                   ? fmt::format("image {}x{}", run.final_individual->image.width,
                                 run.final_individual->image.height)
                   : "";
    }
    if (run.state == "failed") output = run.error;
    out += fmt::format("{:<36} {:>9} {:>5}/{:<5} {:>10.4f} {:>9.4f} {:>8}  {}\n", run.id, run.state,
                       run.generations_done, run.generations_total, best, loss, run.evaluations,
                       output);
  }
  return out;
}

}  // namespace clipglass::coordinator
