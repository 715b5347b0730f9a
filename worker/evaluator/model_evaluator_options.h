// How a worker runs its models: device, precision, threads, memory and the fixed evaluation shape.
// Checked once, at the edge (ResolveComputeSettings), and then kept const.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace clipglass::worker {

enum class EvalDtype {
  kFloat32,   // the reference precision; the only one on CPU
  kFloat16,   // GPU: half-precision convolutions/matmuls, float32 norms and outputs
  kBFloat16,  // GPU: the same with bfloat16
};
// "fp32" | "fp16" | "bf16".
StatusOr<EvalDtype> ParseEvalDtype(const std::string& name);
const char* EvalDtypeName(EvalDtype dtype);

struct ModelEvaluatorOptions {
  // Where the models live and compute: "cpu" or "cuda:N" (needs a CUDA build of LibTorch).
  std::string device = "cpu";
  // Compute dtype. On CPU every model runs in float32 whatever is asked (a warning says so); on
  // GPU the generators and CLIP take it (GPT-2 always runs in float32).
  EvalDtype dtype = EvalDtype::kFloat32;
  // LibTorch and OpenBLAS intra-op threads (ConfigureTorchThreads); 0 = every available core.
  int threads = 0;
  // Models kept resident (LRU, estimated from their parameter bytes in the compute dtype);
  // 0 = no limit. The model of the batch at hand is always kept, even when alone it is larger.
  uint64_t memory_budget_bytes = 0;
  // Rows of every generator, CLIP and discriminator call: batches are cut into micro-batches of
  // exactly this many individuals, the last one padded. An individual's objective bits then do not
  // depend on its batch; every worker of a sweep must use the same value for the archive to be the
  // same whichever worker evaluated what.
  int64_t micro_batch = 8;
};

// The options, checked and turned into LibTorch values.
struct ComputeSettings {
  c10::Device device = c10::Device(c10::kCPU);
  at::ScalarType dtype = at::kFloat;  // what the models compute in (float32 on CPU)
  int64_t micro_batch = 8;
  uint64_t memory_budget_bytes = 0;
};

// InvalidArgument for an unparsable device or micro_batch < 1; FailedPrecondition for a CUDA
// device when this LibTorch has no CUDA or no such device.
StatusOr<ComputeSettings> ResolveComputeSettings(const ModelEvaluatorOptions& options);

}  // namespace clipglass::worker
