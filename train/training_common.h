// Pieces the CLIP and GPT-2 trainers share: their learning-rate schedule, setting it on the
// optimizer, and the parameters as the tensors a safetensors file stores.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>

namespace clipglass::train {

// Learning rate at `step` (0-based): linear warm-up over `warmup_steps` to `peak`, then cosine
// decay to 0 at `steps`.
double WarmupCosineLr(double peak, int64_t warmup_steps, int64_t steps, int64_t step);

// Sets `lr` on every parameter group of an AdamW optimizer.
void SetLearningRate(torch::optim::AdamW& optimizer, double lr);

// Every parameter of `module` by name: detached CPU copies, contiguous, F16 when `half`.
std::map<std::string, at::Tensor> ParameterTensors(const torch::nn::Module& module, bool half);
// The same, plus every buffer (e.g. batch-norm running statistics).
std::map<std::string, at::Tensor> ParameterAndBufferTensors(const torch::nn::Module& module,
                                                            bool half);

}  // namespace clipglass::train
