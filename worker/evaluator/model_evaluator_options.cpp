#include "worker/evaluator/model_evaluator_options.h"

#include <ATen/Context.h>
#include <spdlog/spdlog.h>

#include "worker/models/torch_device.h"

namespace clipglass::worker {

StatusOr<EvalDtype> ParseEvalDtype(const std::string& name) {
  if (name == "fp32") return EvalDtype::kFloat32;
  if (name == "fp16") return EvalDtype::kFloat16;
  if (name == "bf16") return EvalDtype::kBFloat16;
  return InvalidArgumentError("unknown dtype '" + name + "' (fp32, fp16 or bf16)");
}

const char* EvalDtypeName(EvalDtype dtype) {
  switch (dtype) {
    case EvalDtype::kFloat32:
      return "fp32";
    case EvalDtype::kFloat16:
      return "fp16";
    case EvalDtype::kBFloat16:
      return "bf16";
  }
  return "fp32";
}

StatusOr<ComputeSettings> ResolveComputeSettings(const ModelEvaluatorOptions& options) {
  ComputeSettings settings;
  if (options.micro_batch < 1) {
    return InvalidArgumentError("model evaluator: micro_batch must be at least 1, got " +
                                std::to_string(options.micro_batch));
  }
  settings.micro_batch = options.micro_batch;
  settings.memory_budget_bytes = options.memory_budget_bytes;
  CG_ASSIGN_OR_RETURN(settings.device,
                      models::ResolveTorchDevice(options.device, "model evaluator"));
  switch (options.dtype) {
    case EvalDtype::kFloat32:
      settings.dtype = at::kFloat;
      break;
    case EvalDtype::kFloat16:
      settings.dtype = at::kHalf;
      break;
    case EvalDtype::kBFloat16:
      settings.dtype = at::kBFloat16;
      break;
  }
  if (settings.device.is_cuda() && settings.dtype == at::kFloat) {
    // fp32 means fp32 on GPUs too: cuDNN would otherwise run convolutions in TF32 on Ampere and
    // later (~1e-3 relative), and archives would drift from CPU ones by more than the kernels'
    // own nondeterminism (docs/deployment.md, "The GPU check").
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  if (settings.device.is_cpu() && settings.dtype != at::kFloat) {
    // Half precision on CPU is slower than float32 in LibTorch 1.13 and several kernels lack it.
    spdlog::warn("model evaluator: dtype {} is for GPUs; computing in fp32 on the CPU",
                 EvalDtypeName(options.dtype));
    settings.dtype = at::kFloat;
  }
  return settings;
}

}  // namespace clipglass::worker
