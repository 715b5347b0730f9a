#include "cli/worker_factory.h"

#include "worker/runtime/routing_evaluator.h"
#ifdef CLIPGLASS_WITH_TORCH
#include "worker/evaluator/model_evaluator.h"
#endif

namespace clipglass::cli {

void AddWorkerFlags(CLI::App* sub, WorkerFlags* flags) {
  sub->add_option("--device", flags->device, "Where models compute: cpu or cuda:N")
      ->capture_default_str();
  sub->add_option("--dtype", flags->dtype, "Compute dtype: fp32, fp16 or bf16 (GPU)")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}))
      ->capture_default_str();
  sub->add_option("--batch", flags->batch, "Preferred individuals per batch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--threads", flags->threads, "CPU threads for the models (0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--benchmark-delay-ms", flags->benchmark_delay_ms,
                  "Simulated evaluation time per batch of a benchmark problem (tests, scaling "
                  "benchmarks)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--micro-batch", flags->micro_batch,
                  "Rows of every model call; give every worker of a sweep the same value for "
                  "bit-identical archives")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--model-memory", flags->model_memory_mb,
                  "MiB of models kept loaded (least recently used dropped first; 0 = no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

StatusOr<std::unique_ptr<worker::Evaluator>> MakeWorkerEvaluator(const WorkerFlags& flags) {
  std::unique_ptr<worker::Evaluator> models;
#ifdef CLIPGLASS_WITH_TORCH
  worker::ModelEvaluatorOptions options;
  options.device = flags.device;
  CG_ASSIGN_OR_RETURN(options.dtype, worker::ParseEvalDtype(flags.dtype));
  options.threads = flags.threads;
  options.micro_batch = flags.micro_batch;
  options.memory_budget_bytes = static_cast<uint64_t>(flags.model_memory_mb) << 20;
  CG_ASSIGN_OR_RETURN(models, worker::MakeModelEvaluator(options));
#endif
  return std::unique_ptr<worker::Evaluator>(new worker::RoutingEvaluator(
      std::move(models), std::chrono::milliseconds(flags.benchmark_delay_ms)));
}

worker::WorkerOptions MakeWorkerOptions(const WorkerFlags& flags) {
  worker::WorkerOptions options;
  options.device = flags.device;
  options.preferred_batch_size = flags.batch;
  return options;
}

}  // namespace clipglass::cli
