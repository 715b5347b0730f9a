// Worker flags shared by `clipglass run` and `clipglass worker`, and the evaluator they build.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "worker/runtime/evaluator.h"
#include "worker/runtime/worker_client.h"

namespace clipglass::cli {

struct WorkerFlags {
  std::string device = "cpu";   // cpu | cuda:N
  std::string dtype = "fp32";   // fp32 | fp16 | bf16 (GPU)
  int batch = 16;               // preferred individuals per batch
  int threads = 0;              // CPU threads for the models; 0 = all cores
  int benchmark_delay_ms = 0;   // simulated evaluation time per benchmark-problem batch
  int micro_batch = 8;          // rows of every model call (same on every worker of a sweep)
  int64_t model_memory_mb = 0;  // resident models' budget in MiB; 0 = no limit
};

void AddWorkerFlags(CLI::App* sub, WorkerFlags* flags);

// The evaluator of a worker: benchmark problems always, models when built with LibTorch.
StatusOr<std::unique_ptr<worker::Evaluator>> MakeWorkerEvaluator(const WorkerFlags& flags);

worker::WorkerOptions MakeWorkerOptions(const WorkerFlags& flags);

}  // namespace clipglass::cli
