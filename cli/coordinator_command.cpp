// `clipglass coordinator GRID.yaml --listen HOST:PORT`: the sweep's GA state and archive; workers
// on other machines dial in with `clipglass worker --connect HOST:PORT`.
#include <cstdio>
#include <memory>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "coordinator/runtime/launch.h"
#include "results/archive.h"

namespace clipglass::cli {
namespace {

struct CoordinatorFlags {
  coordinator::LaunchOptions launch;
  std::string token_file;
  double lease_seconds = 300;
  double checkpoint_seconds = 30;
  bool quiet = false;
};

void Run(CoordinatorFlags flags) {
  StatusOr<std::string> token = coordinator::ReadToken(flags.token_file);
  if (!token.ok()) Fail(token.status());
  flags.launch.token = *token;
  flags.launch.lease_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.lease_seconds * 1000));
  flags.launch.checkpoint_interval =
      std::chrono::milliseconds(static_cast<int64_t>(flags.checkpoint_seconds * 1000));
  flags.launch.progress = !flags.quiet;
  flags.launch.program_version = CLIPGLASS_VERSION;
  StatusOr<std::unique_ptr<coordinator::Coordinator>> prepared =
      coordinator::PrepareCoordinator(flags.launch);
  if (!prepared.ok()) Fail(prepared.status());
  coordinator::Coordinator& coordinator = **prepared;
  StopOnSignals([&] { coordinator.Stop(); });
  CheckOk(coordinator.Start());
  // Scripts (and tests) read the bound address from this line.
  std::printf("listening on %s\n", coordinator.address().c_str());
  std::fflush(stdout);
  CheckOk(coordinator.Wait());
  StatusOr<results::SweepRecord> record = results::ReadArchive(coordinator.archive_path());
  if (!record.ok()) Fail(record.status());
  if (!flags.quiet) std::printf("%s", coordinator::SummarizeSweep(*record).c_str());
  std::printf("archive: %s (%s)\n", coordinator.archive_path().c_str(), record->state.c_str());
}

}  // namespace

void AddCoordinatorCommand(CLI::App& app) {
  auto flags = std::make_shared<CoordinatorFlags>();
  flags->launch.listen = "127.0.0.1:50051";
  CLI::App* sub = app.add_subcommand(
      "coordinator", "Serve a sweep to remote workers (clipglass worker --connect HOST:PORT)");
  sub->add_option("grid", flags->launch.grid_path, "Experiment grid (experiments/*.yaml)");
  sub->add_option("--listen", flags->launch.listen,
                  "Address to listen on; anything but loopback requires a token")
      ->capture_default_str();
  sub->add_option("--out", flags->launch.archive,
                  "Archive to write (default: the grid's `archive` name)");
  sub->add_option("--resume", flags->launch.resume, "Continue the unfinished runs of an archive");
  sub->add_option("--token-file", flags->token_file,
                  "File holding the workers' shared token (default: $CLIPGLASS_TOKEN)");
  sub->add_option("--configs", flags->launch.configs_dir, "Generator configs folder");
  sub->add_option("--weights-dir", flags->launch.weights_dir, "Weights folder (as workers see it)");
  sub->add_option("--lease-seconds", flags->lease_seconds,
                  "A batch not answered within this time goes to another worker")
      ->capture_default_str();
  sub->add_option("--checkpoint-seconds", flags->checkpoint_seconds,
                  "Rewrite the archive at most this often")
      ->capture_default_str();
  sub->add_option("--benchmark", flags->launch.benchmark,
                  "Instead of a grid: a sweep over a benchmark problem answered by the workers "
                  "(zdt1, zdt2, zdt3, sphere, rastrigin)");
  sub->add_option("--seeds", flags->launch.benchmark_seeds, "--benchmark: runs (seeds 0..N-1)")
      ->capture_default_str();
  sub->add_option("--generations", flags->launch.benchmark_options.generations,
                  "--benchmark: generations")
      ->capture_default_str();
  sub->add_option("--pop", flags->launch.benchmark_options.population,
                  "--benchmark: population per island")
      ->capture_default_str();
  sub->add_option("--islands", flags->launch.benchmark_options.islands,
                  "--benchmark: islands per run")
      ->capture_default_str();
  sub->add_flag("--quiet", flags->quiet, "No progress line and no summary table");
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
