// StyleGAN2's generator as LibTorch modules registered under NVIDIA's checkpoint names
// (mapping.fc0.weight, mapping.w_avg, synthesis.b4.const, synthesis.b8.conv0.affine.weight, ...),
// so a released G_ema state dict loads by name. Pure forward math: the runner in stylegan2.h
// handles devices, batching, inference mode and random noise.
//
// Ref: NVlabs/stylegan2-ada-pytorch (d72cc7d), training/networks.py: MappingNetwork,
// SynthesisLayer, ToRGBLayer, SynthesisBlock (architecture 'skip'), SynthesisNetwork, Generator.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <optional>
#include <utility>
#include <vector>

#include "worker/models/stylegan2_config.h"
#include "worker/models/stylegan2_layers.h"
#include "worker/models/stylegan2_ops.h"

namespace clipglass::models::stylegan2 {

// Per-call settings of the synthesis network.
struct SynthesisArgs {
  at::ScalarType dtype = at::kFloat;  // compute dtype of the convolutions (styles stay float32)
  NoiseMode noise_mode = NoiseMode::kConst;
  // kRandom only: one unscaled N(0,1) tensor [N, 1, res, res] per noise layer, in the order of
  // SynthesisNetworkImpl::NoiseResolutions().
  const std::vector<at::Tensor>* random_noise = nullptr;
  ModConvImpl modconv = ModConvImpl::kShared;
  // Memory format of the feature maps (the image accumulation stays contiguous NCHW).
  at::MemoryFormat memory_format = at::MemoryFormat::Contiguous;
};

// z [N, z_dim] -> w [N, w_dim]: normalize_2nd_moment, then the fully connected layers fc{i}
// (leaky ReLU, lr multiplier 0.01). Buffer w_avg [w_dim] (the tracked mean of w).
class MappingNetworkImpl : public torch::nn::Module {
 public:
  explicit MappingNetworkImpl(const Stylegan2GeneratorConfig& config);

  at::Tensor forward(const at::Tensor& z);  // [N, w_dim] float32
  // w [N, w_dim] -> ws [N, num_ws, w_dim] (the same w for every layer).
  at::Tensor Broadcast(const at::Tensor& w) const;
  // ws [N, num_ws, w_dim] -> w_avg.lerp(ws, psi) on the first `cutoff` ws (all if nullopt).
  at::Tensor Truncate(const at::Tensor& ws, double psi, std::optional<int64_t> cutoff) const;

  std::vector<FullyConnectedLayer> fc;
  at::Tensor w_avg;

 private:
  int64_t num_ws_;
};
TORCH_MODULE(MappingNetwork);

// Modulated 3x3 convolution (2x up-sampling in conv0 of each block), noise, bias, leaky ReLU.
class SynthesisLayerImpl : public torch::nn::Module {
 public:
  SynthesisLayerImpl(int64_t in_channels, int64_t out_channels, int64_t w_dim, int64_t resolution,
                     int64_t kernel_size, int64_t up, bool use_noise,
                     std::optional<double> conv_clamp);

  // x: [N, in, res/up, res/up], w: [N, w_dim] float32 -> [N, out, res, res] in x's dtype.
  // random_noise: [N, 1, res, res] when noise_mode is kRandom.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& w, NoiseMode noise_mode,
                     const at::Tensor& random_noise, ModConvImpl modconv);

  int64_t resolution() const { return resolution_; }
  bool use_noise() const { return use_noise_; }

  FullyConnectedLayer affine{nullptr};
  at::Tensor weight;          // [out, in, k, k]
  at::Tensor bias;            // [out]
  at::Tensor noise_strength;  // [] (if use_noise)
  at::Tensor noise_const;     // [res, res] (if use_noise)
  at::Tensor resample_filter;

 private:
  int64_t resolution_;
  int64_t up_;
  int64_t padding_;
  bool use_noise_;
  std::optional<double> conv_clamp_;
};
TORCH_MODULE(SynthesisLayer);

// Modulated 1x1 convolution without demodulation, then bias: features -> image channels.
class ToRGBLayerImpl : public torch::nn::Module {
 public:
  ToRGBLayerImpl(int64_t in_channels, int64_t out_channels, int64_t w_dim,
                 std::optional<double> conv_clamp);

  // x: [N, in, H, W], w: [N, w_dim] -> [N, img_channels, H, W] in x's dtype.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& w, ModConvImpl modconv);

  FullyConnectedLayer affine{nullptr};
  at::Tensor weight;  // [img_channels, in, 1, 1]
  at::Tensor bias;    // [img_channels]

 private:
  double weight_gain_;
  std::optional<double> conv_clamp_;
};
TORCH_MODULE(ToRGBLayer);

// One resolution of the 'skip' synthesis network: (const | conv0 up), conv1, torgb; the image so
// far is up-sampled with the FIR filter and the block's ToRGB output is added.
class SynthesisBlockImpl : public torch::nn::Module {
 public:
  SynthesisBlockImpl(int64_t in_channels, int64_t out_channels, int64_t resolution,
                     const Stylegan2GeneratorConfig& config);

  // x: [N, in, res/2, res/2] (undefined for b4), img: [N, C, res/2, res/2] float32 (undefined for
  // b4), ws: [N, num_conv + num_torgb, w_dim] -> {x [N, out, res, res], img [N, C, res, res]}.
  // *noise_index walks args.random_noise.
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x, const at::Tensor& img,
                                            const at::Tensor& ws, const SynthesisArgs& args,
                                            size_t* noise_index);

  int64_t num_conv() const { return conv0 ? 2 : 1; }
  int64_t num_torgb() const { return 1; }

  at::Tensor constant;  // "const" [out, 4, 4] (b4 only)
  SynthesisLayer conv0{nullptr};
  SynthesisLayer conv1{nullptr};
  ToRGBLayer torgb{nullptr};
  at::Tensor resample_filter;
};
TORCH_MODULE(SynthesisBlock);

// ws [N, num_ws, w_dim] -> img [N, img_channels, R, R] float32, through blocks b4 ... bR.
// Block b{res} reads ws[:, i : i + num_conv + num_torgb] and i advances by num_conv, so each
// ToRGB shares its w with the next block's conv0.
class SynthesisNetworkImpl : public torch::nn::Module {
 public:
  explicit SynthesisNetworkImpl(const Stylegan2GeneratorConfig& config);

  at::Tensor forward(const at::Tensor& ws, const SynthesisArgs& args);

  // The resolution of every layer that takes noise, in the order forward() uses them.
  std::vector<int64_t> NoiseResolutions() const;

  std::vector<std::pair<int64_t, SynthesisBlock>> blocks;  // (resolution, block), ascending

 private:
  int64_t num_ws_;
  int64_t w_dim_;
};
TORCH_MODULE(SynthesisNetwork);

// The whole generator: submodules "mapping" and "synthesis".
class GeneratorImpl : public torch::nn::Module {
 public:
  explicit GeneratorImpl(const Stylegan2GeneratorConfig& config);

  // G(z): mapping, broadcast, truncation, synthesis.
  at::Tensor forward(const at::Tensor& z, double psi, std::optional<int64_t> cutoff,
                     const SynthesisArgs& args);

  const Stylegan2GeneratorConfig& config() const { return config_; }

  MappingNetwork mapping{nullptr};
  SynthesisNetwork synthesis{nullptr};

 private:
  Stylegan2GeneratorConfig config_;
};
TORCH_MODULE(Generator);

}  // namespace clipglass::models::stylegan2
