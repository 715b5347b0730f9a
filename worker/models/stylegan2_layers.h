// The two plain layers StyleGAN2's generator and discriminator share, with equalised learning
// rate (stored weights are scaled at run time) and parameters under NVIDIA's names.
//
// Ref: NVlabs/stylegan2-ada-pytorch (d72cc7d), training/networks.py: FullyConnectedLayer,
// Conv2dLayer.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <optional>

namespace clipglass::models::stylegan2 {

// y = act(x @ (weight * lr_multiplier / sqrt(in))^T + bias * lr_multiplier); act is identity or
// leaky ReLU (0.2) times sqrt(2). Parameters: weight [out, in], bias [out] (if bias).
class FullyConnectedLayerImpl : public torch::nn::Module {
 public:
  FullyConnectedLayerImpl(int64_t in_features, int64_t out_features, bool bias, bool lrelu,
                          double lr_multiplier, double bias_init);

  // x: [N, in] -> [N, out], in x's dtype.
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;
  at::Tensor bias;

 private:
  bool lrelu_;
  double weight_gain_;
  double bias_gain_;
};
TORCH_MODULE(FullyConnectedLayer);

// Convolution (kernel k, padding k/2) with optional 2x up- or down-sampling through the FIR
// filter, then bias, activation, gain and clamp. Parameters: weight [out, in, k, k], bias [out]
// (if bias); buffer resample_filter [4, 4].
class Conv2dLayerImpl : public torch::nn::Module {
 public:
  Conv2dLayerImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, bool bias,
                  bool lrelu, int64_t up, int64_t down, std::optional<double> conv_clamp);

  // x: [N, in, H, W] -> [N, out, H*up/down, W*up/down] in x's dtype. gain scales the activation
  // gain and the clamp (the resnet blocks pass sqrt(0.5)).
  at::Tensor forward(const at::Tensor& x, double gain = 1.0);

  at::Tensor weight;
  at::Tensor bias;
  at::Tensor resample_filter;

 private:
  bool lrelu_;
  int64_t up_;
  int64_t down_;
  int64_t padding_;
  double weight_gain_;
  std::optional<double> conv_clamp_;
};
TORCH_MODULE(Conv2dLayer);

// NVIDIA's setup_filter([1, 3, 3, 1]): outer([1,3,3,1], [1,3,3,1]) / 64, float32 [4, 4]; what every
// released network stores in its resample_filter buffers.
at::Tensor DefaultResampleFilter();

// sqrt(2), the leaky ReLU's gain.
inline constexpr double kLreluGain = 1.4142135623730951;

}  // namespace clipglass::models::stylegan2
