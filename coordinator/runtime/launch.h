// From command-line settings to a ready Coordinator: load and check the grid, build the sweep (or
// resume it from an archive), fill the provenance. Shared by `clipglass run` and
// `clipglass coordinator`.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "coordinator/runtime/benchmark_runs.h"
#include "coordinator/runtime/coordinator.h"
#include "results/archive.h"

namespace clipglass::coordinator {

struct LaunchOptions {
  std::string grid_path;  // the experiment grid; may be empty with `resume` (taken from it)
  // Instead of a grid: a sweep over a benchmark problem (zdt1..3, sphere, rastrigin) answered by
  // the workers in place of models, `benchmark_seeds` runs with seeds 0..n-1.
  std::string benchmark;
  int benchmark_seeds = 3;
  BenchmarkRunOptions benchmark_options;
  std::string configs_dir;  // "" = the grid loader's default
  std::string weights_dir;  // "" = $CLIPGLASS_WEIGHTS_DIR or weights/
  std::string archive;      // "" = the grid's `archive` name in the working directory
  std::string resume;       // an archive to continue; its unfinished runs go on
  std::string listen = "127.0.0.1:0";
  std::string token;
  std::chrono::milliseconds lease_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(30)};
  bool progress = true;
  std::string program_version;
};

// Everything is checked here, before any work starts: errors are one line naming the file.
StatusOr<std::unique_ptr<Coordinator>> PrepareCoordinator(const LaunchOptions& options);

// A summary table of a finished (or interrupted) sweep: one line per run.
std::string SummarizeSweep(const results::SweepRecord& sweep);

// The token from a file (first line, trimmed) or, when `file` is empty, $CLIPGLASS_TOKEN.
StatusOr<std::string> ReadToken(const std::string& file);

}  // namespace clipglass::coordinator
