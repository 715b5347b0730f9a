#include "train/training_common.h"

#include <algorithm>
#include <cmath>

namespace clipglass::train {

double WarmupCosineLr(double peak, int64_t warmup_steps, int64_t steps, int64_t step) {
  if (step < warmup_steps) return peak * static_cast<double>(step + 1) / warmup_steps;
  const double span = static_cast<double>(std::max<int64_t>(1, steps - warmup_steps));
  const double t = std::min(1.0, static_cast<double>(step - warmup_steps) / span);
  return peak * 0.5 * (1.0 + std::cos(M_PI * t));
}

void SetLearningRate(torch::optim::AdamW& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
}

namespace {

// A detached, contiguous CPU copy, F16 when `half`.
at::Tensor StoredCopy(const at::Tensor& tensor, bool half) {
  const at::Tensor t = tensor.detach().to(at::kCPU).clone().contiguous();
  return half ? t.to(at::kHalf) : t;
}

}  // namespace

std::map<std::string, at::Tensor> ParameterTensors(const torch::nn::Module& module, bool half) {
  std::map<std::string, at::Tensor> tensors;
  for (const auto& item : module.named_parameters()) {
    tensors[item.key()] = StoredCopy(item.value(), half);
  }
  return tensors;
}

std::map<std::string, at::Tensor> ParameterAndBufferTensors(const torch::nn::Module& module,
                                                            bool half) {
  std::map<std::string, at::Tensor> tensors = ParameterTensors(module, half);
  for (const auto& item : module.named_buffers())
    tensors[item.key()] = StoredCopy(item.value(), half);
  return tensors;
}

}  // namespace clipglass::train
