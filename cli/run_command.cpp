// `clipglass run GRID.yaml`: the coordinator and N in-process workers in one process, talking
// real gRPC over 127.0.0.1 (the same code path as a cluster).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <thread>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "cli/worker_factory.h"
#include "coordinator/runtime/launch.h"
#include "results/archive.h"
#include "worker/runtime/worker_client.h"

namespace clipglass::cli {
namespace {

struct RunFlags {
  std::string grid;
  std::string benchmark;
  int benchmark_seeds = 3;
  coordinator::BenchmarkRunOptions benchmark_options;
  std::string out;
  std::string resume;
  std::string configs;
  std::string weights_dir;
  int workers = 1;
  WorkerFlags worker;
  double checkpoint_seconds = 30;
  bool quiet = false;
};

void Run(const RunFlags& flags) {
  if (flags.workers < 1) Fail(InvalidArgumentError("--workers must be at least 1"));
  coordinator::LaunchOptions launch;
  launch.grid_path = flags.grid;
  launch.benchmark = flags.benchmark;
  launch.benchmark_seeds = flags.benchmark_seeds;
  launch.benchmark_options = flags.benchmark_options;
  launch.archive = flags.out;
  launch.resume = flags.resume;
  launch.configs_dir = flags.configs;
  launch.weights_dir = flags.weights_dir;
  launch.listen = "127.0.0.1:0";
  launch.checkpoint_interval =
      std::chrono::milliseconds(static_cast<int64_t>(flags.checkpoint_seconds * 1000));
  launch.progress = !flags.quiet;
  launch.program_version = CLIPGLASS_VERSION;
  StatusOr<std::unique_ptr<coordinator::Coordinator>> prepared =
      coordinator::PrepareCoordinator(launch);
  if (!prepared.ok()) Fail(prepared.status());
  coordinator::Coordinator& coordinator = **prepared;
  StopOnSignals([&] { coordinator.Stop(); });
  CheckOk(coordinator.Start());

  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<worker::WorkerClient>> clients;
  std::vector<std::unique_ptr<worker::Evaluator>> evaluators;
  for (int w = 0; w < flags.workers; ++w) {
    StatusOr<std::unique_ptr<worker::Evaluator>> evaluator = MakeWorkerEvaluator(flags.worker);
    if (!evaluator.ok()) Fail(evaluator.status());
    evaluators.push_back(std::move(*evaluator));
    worker::WorkerOptions options = MakeWorkerOptions(flags.worker);
    options.coordinator_address = coordinator.address();
    options.worker_id = "local-" + std::to_string(w);
    clients.push_back(std::make_unique<worker::WorkerClient>(options, evaluators.back().get()));
    threads.emplace_back([client = clients.back().get()] {
      Status status = client->Run();
      if (!status.ok() && status.code() != StatusCode::kCancelled) {
        spdlog::error("worker: {}", status.message());
      }
    });
  }
  Status status = coordinator.Wait();
  for (auto& client : clients) client->Stop();
  for (auto& thread : threads) thread.join();
  CheckOk(status);

  const std::string archive = coordinator.archive_path();
  StatusOr<results::SweepRecord> record = results::ReadArchive(archive);
  if (!record.ok()) Fail(record.status());
  if (!flags.quiet) std::printf("%s", coordinator::SummarizeSweep(*record).c_str());
  std::printf("archive: %s (%s)\n", archive.c_str(), record->state.c_str());
}

}  // namespace

void AddRunCommand(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* sub = app.add_subcommand(
      "run", "Run a sweep on this machine: coordinator + in-process workers over loopback gRPC");
  sub->add_option("grid", flags->grid, "Experiment grid (experiments/*.yaml)");
  sub->add_option("--out", flags->out, "Archive to write (default: the grid's `archive` name)");
  sub->add_option("--resume", flags->resume,
                  "Continue the unfinished runs of this archive (the grid defaults to the one it "
                  "was started with)");
  sub->add_option("--workers", flags->workers, "In-process workers")->capture_default_str();
  sub->add_option("--configs", flags->configs, "Generator configs folder (default configs/)");
  sub->add_option("--weights-dir", flags->weights_dir,
                  "Folder relative weights paths resolve against (default $CLIPGLASS_WEIGHTS_DIR "
                  "or weights/)");
  sub->add_option("--checkpoint-seconds", flags->checkpoint_seconds,
                  "Rewrite the archive at most this often while running")
      ->capture_default_str();
  sub->add_option("--benchmark", flags->benchmark,
                  "Instead of a grid: a sweep over a benchmark problem answered by the workers "
                  "(zdt1, zdt2, zdt3, sphere, rastrigin)");
  sub->add_option("--seeds", flags->benchmark_seeds, "--benchmark: runs (seeds 0..N-1)")
      ->capture_default_str();
  sub->add_option("--generations", flags->benchmark_options.generations, "--benchmark: generations")
      ->capture_default_str();
  sub->add_option("--pop", flags->benchmark_options.population,
                  "--benchmark: population per island")
      ->capture_default_str();
  sub->add_option("--islands", flags->benchmark_options.islands, "--benchmark: islands per run")
      ->capture_default_str();
  sub->add_flag("--quiet", flags->quiet, "No progress line and no summary table");
  AddWorkerFlags(sub, &flags->worker);
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
