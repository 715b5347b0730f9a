// StyleGAN2's 'resnet' discriminator as LibTorch modules under NVIDIA's checkpoint names
// (b{R}.fromrgb.weight, b{res}.conv0/conv1/skip.*, b4.conv/fc/out.*), so a released D state dict
// loads by name. Pure forward math; the runner in stylegan2.h does the rest.
//
// Ref: NVlabs/stylegan2-ada-pytorch (d72cc7d), training/networks.py: DiscriminatorBlock
// (architecture 'resnet'), MinibatchStdLayer, DiscriminatorEpilogue, Discriminator.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <utility>
#include <vector>

#include "worker/models/stylegan2_config.h"
#include "worker/models/stylegan2_layers.h"

namespace clipglass::models::stylegan2 {

// fromrgb (first block only), conv0 3x3, conv1 3x3 with 2x down-sampling, plus a 1x1 down-sampled
// skip; both branches scaled by sqrt(0.5) and summed.
class DiscriminatorBlockImpl : public torch::nn::Module {
 public:
  DiscriminatorBlockImpl(int64_t in_channels, int64_t tmp_channels, int64_t out_channels,
                         int64_t img_channels, std::optional<double> conv_clamp);

  // x: [N, tmp, res, res] (undefined for the first block), img: [N, C, res, res] (first block)
  // -> [N, out, res/2, res/2] in `dtype` and `memory_format`.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& img, at::ScalarType dtype,
                     at::MemoryFormat memory_format = at::MemoryFormat::Contiguous);

  Conv2dLayer fromrgb{nullptr};
  Conv2dLayer conv0{nullptr};
  Conv2dLayer conv1{nullptr};
  Conv2dLayer skip{nullptr};
  at::Tensor resample_filter;
};
TORCH_MODULE(DiscriminatorBlock);

// b4: minibatch standard deviation, conv 3x3, fc over the flattened 4x4 features, out -> logit.
class DiscriminatorEpilogueImpl : public torch::nn::Module {
 public:
  DiscriminatorEpilogueImpl(int64_t in_channels, int64_t resolution, int64_t mbstd_group_size,
                            int64_t mbstd_num_channels, std::optional<double> conv_clamp);

  // x: [N, C4, 4, 4] -> logits [N, 1] float32.
  at::Tensor forward(const at::Tensor& x);

  Conv2dLayer conv{nullptr};
  FullyConnectedLayer fc{nullptr};
  FullyConnectedLayer out{nullptr};

 private:
  int64_t mbstd_group_size_;
  int64_t mbstd_num_channels_;
};
TORCH_MODULE(DiscriminatorEpilogue);

// img [N, C, R, R] -> logits [N, 1]. The minibatch-std layer mixes statistics of the images
// grouped with each one (see MinibatchStd), so a logit depends on the rest of its batch.
class DiscriminatorImpl : public torch::nn::Module {
 public:
  explicit DiscriminatorImpl(const Stylegan2DiscriminatorConfig& config);

  // Blocks run in `dtype` and `memory_format`; the epilogue always in float32 (as NVIDIA's).
  at::Tensor forward(const at::Tensor& img, at::ScalarType dtype = at::kFloat,
                     at::MemoryFormat memory_format = at::MemoryFormat::Contiguous);

  const Stylegan2DiscriminatorConfig& config() const { return config_; }

  std::vector<std::pair<int64_t, DiscriminatorBlock>> blocks;  // (resolution, block), descending
  DiscriminatorEpilogue b4{nullptr};

 private:
  Stylegan2DiscriminatorConfig config_;
};
TORCH_MODULE(Discriminator);

}  // namespace clipglass::models::stylegan2
