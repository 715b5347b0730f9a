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
#include "common/file_util.h"
#include "common/png_codec.h"
#include "coordinator/grid/grid.h"
#include "coordinator/grid/weights_check.h"
#include "coordinator/runtime/launch.h"
#include "results/archive.h"
#include "results/figure.h"
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
  std::string figure;  // PNG of the final outputs (rows: target, columns: config); "" = none
};

// The sweep's final outputs as one labelled picture: a row per target, a column per config.
void WriteFigure(const results::SweepRecord& record, const std::string& path) {
  results::FigureOptions options;
  options.rows = "target";
  options.cols = "config";
  options.cell_size = 176;
  StatusOr<results::Image> figure = results::RenderFigure(record, options);
  if (!figure.ok()) Fail(figure.status().WithContext(path));
  StatusOr<std::string> png = EncodePng({figure->width, figure->height, figure->rgb});
  if (!png.ok()) Fail(png.status().WithContext(path));
  CheckOk(WriteFileAtomically(path, *png));
  std::printf("figure: %s (rows: target, columns: config)\n", path.c_str());
}

void Run(const RunFlags& flags) {
  if (flags.workers < 1) Fail(InvalidArgumentError("--workers must be at least 1"));
  if (!flags.grid.empty()) {
    // The in-process workers read the weights from this machine: a missing file stops the run
    // here, before the archive or any worker exists, naming the file and how to fetch it.
    StatusOr<grid::Grid> g = grid::LoadGrid(flags.grid, {flags.configs, flags.weights_dir});
    if (!g.ok()) Fail(g.status());
    CheckOk(grid::CheckWeightsPresent(*g));
  }
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
  if (!flags.figure.empty()) WriteFigure(*record, flags.figure);
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
  sub->add_option("--figure", flags->figure,
                  "Also write a PNG of the final images and captions (rows: target, columns: "
                  "config), as `clipglass figure` draws it");
  sub->add_flag("--quiet", flags->quiet, "No progress line and no summary table");
  AddWorkerFlags(sub, &flags->worker);
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
