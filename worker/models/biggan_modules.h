// BigGAN-deep's modules (PyTorch C++ frontend), registered under the released checkpoint's own
// names (embeddings.weight, generator.gen_z.{weight_orig,weight_u,weight_v,bias},
// generator.layers.{i}.bn_{k}.{running_means,running_vars,scale.*,offset.*},
// generator.layers.{i}.conv_{k}.*, generator.layers.8.{snconv1x1_*,gamma}, generator.bn.*,
// generator.conv_to_rgb.*), so loading a checkpoint is a name lookup (weights::LoadIntoModule).
// Only the pure forward math lives here: no device moves, no grad mode, no error handling; the
// BigGanModel runner in biggan.h does those.
//
// Spectral norm: after loading, FoldSpectralNorm() computes W = weight_orig / sigma once, with
// sigma = u . (weight_orig.reshape(out, -1) @ v) from the STORED u and v (torch's spectral_norm in
// eval mode: no power iteration), and registers it as the buffer `weight` the forward uses.
//
// Up-sampling GenBlocks can run "nearest x2, then 3x3 conv" as one 2x2 conv on the low-resolution
// input with 4x the output channels, one group per output pixel phase (the sub-pixel form: the
// taps that read the same low-resolution pixel are summed into one weight), then an interleave:
// the same values up to float rounding, with 16 instead of 36 multiply-adds per input pixel.
//
// Ref: huggingface/pytorch-pretrained-BigGAN pytorch_pretrained_biggan/model.py (1e18aed).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

#include "worker/models/biggan.h"

namespace clipglass::models::biggan {

// How the forward pass lays out and schedules its work; the results are the same either way (up to
// float rounding).
struct ForwardFlags {
  bool channels_last = true;  // activations in NHWC memory layout (oneDNN's fast path on CPU)
  bool fused_up_conv = true;  // up-sampling blocks use conv_1's sub-pixel form
};

// A spectral-normalised Linear (the original's snlinear): weight_orig [out, in], weight_u [out],
// weight_v [in], optional bias [out].
class SnLinearImpl : public torch::nn::Module {
 public:
  SnLinearImpl(int64_t in_features, int64_t out_features, bool bias);
  void FoldSpectralNorm();
  at::Tensor forward(const at::Tensor& x);  // x: [B, in] -> [B, out]

  at::Tensor weight_orig, weight_u, weight_v, bias;
  at::Tensor weight;  // W = weight_orig / sigma, set by FoldSpectralNorm
};
TORCH_MODULE(SnLinear);

// A spectral-normalised Conv2d (the original's snconv2d), stride 1, padding kernel / 2:
// weight_orig [out, in, k, k], weight_u [out], weight_v [in * k * k], optional bias [out].
class SnConv2dImpl : public torch::nn::Module {
 public:
  SnConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, bool bias);
  void FoldSpectralNorm();
  at::Tensor forward(const at::Tensor& x);  // x: [B, in, H, W] -> [B, out, H, W]
  // The first `channels` output channels only (same values as slicing the full output).
  at::Tensor ForwardFirstChannels(const at::Tensor& x, int64_t channels);
  // For a 3x3 conv, after FoldSpectralNorm: the sub-pixel weights of "nearest x2, then this conv"
  // (buffers `weight_up2x` [4 out, in, 2, 2] and `bias_up2x` [4 out]).
  void PrepareUpsampledForm();
  // conv(upsample_nearest_x2(x)) through the sub-pixel weights:
  // x: [B, in, H, W] -> [B, out, 2H, 2W], in x's memory format.
  at::Tensor ForwardUpsampled(const at::Tensor& x);

  int64_t padding;
  at::Tensor weight_orig, weight_u, weight_v, bias;
  at::Tensor weight;                  // W = weight_orig / sigma, set by FoldSpectralNorm
  at::Tensor weight_up2x, bias_up2x;  // set by PrepareUpsampledForm
};
TORCH_MODULE(SnConv2d);

// Statistics of one batch-norm layer for one truncation: [C] each, in float32.
struct Stats {
  at::Tensor mean;
  at::Tensor var;
};
// rows[row] * coef + rows[row + 1] * (1 - coef), or rows[row] (see ChooseStandingStats).
Stats SelectStandingStats(const at::Tensor& running_means, const at::Tensor& running_vars,
                          const StandingStatsChoice& choice);

// The original's BigGANBatchNorm(conditional=True): standing statistics per truncation and a
// per-sample gain/offset from the condition vector. Returns the normalised x, before the ReLU.
class ConditionalBatchNormImpl : public torch::nn::Module {
 public:
  ConditionalBatchNormImpl(int64_t num_features, int64_t condition_dim, int64_t n_stats,
                           double eps);
  // x: [B, C, H, W], cond: [B, condition_dim] -> [B, C, H, W]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cond, const StandingStatsChoice& stats);

  double eps;
  at::Tensor running_means, running_vars;  // [n_stats, C]
  SnLinear scale{nullptr}, offset{nullptr};
};
TORCH_MODULE(ConditionalBatchNorm);

// The original's BigGANBatchNorm(conditional=False): F.batch_norm with the chosen statistics.
class StandingBatchNormImpl : public torch::nn::Module {
 public:
  StandingBatchNormImpl(int64_t num_features, int64_t n_stats, double eps);
  at::Tensor forward(const at::Tensor& x, const StandingStatsChoice& stats);  // [B, C, H, W]

  double eps;
  at::Tensor weight, bias;                 // [C]
  at::Tensor running_means, running_vars;  // [n_stats, C]
};
TORCH_MODULE(StandingBatchNorm);

// GenBlock: BN-ReLU-conv1x1 (in -> in/4), BN-ReLU-[up x2]-conv3x3, BN-ReLU-conv3x3,
// BN-ReLU-conv1x1 (-> out); skip = x[:, :in/2] when in != out, nearest x2 when up-sampling.
class GenBlockImpl : public torch::nn::Module {
 public:
  GenBlockImpl(const BigGanBlockConfig& block, int64_t condition_dim, int64_t n_stats, double eps);
  // x: [B, in, H, W], cond: [B, condition_dim] -> [B, out, H', W'] (H' = 2H when up-sampling)
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cond, const StandingStatsChoice& stats,
                     const ForwardFlags& flags);

  bool up_sample;
  ConditionalBatchNorm bn_0{nullptr}, bn_1{nullptr}, bn_2{nullptr}, bn_3{nullptr};
  SnConv2d conv_0{nullptr}, conv_1{nullptr}, conv_2{nullptr}, conv_3{nullptr};
};
TORCH_MODULE(GenBlock);

// SAGAN self-attention with 2x2 max-pooled keys/values: out = x + gamma * o(g softmax(theta^T
// phi)^T).
class SelfAttentionImpl : public torch::nn::Module {
 public:
  explicit SelfAttentionImpl(int64_t channels);
  at::Tensor forward(const at::Tensor& x);  // x: [B, C, H, W] -> [B, C, H, W]

  SnConv2d snconv1x1_theta{nullptr}, snconv1x1_phi{nullptr}, snconv1x1_g{nullptr},
      snconv1x1_o_conv{nullptr};
  at::Tensor gamma;  // [1]
};
TORCH_MODULE(SelfAttention);

// The original's Generator (registered as "generator"): gen_z, layers, bn, conv_to_rgb.
class GeneratorImpl : public torch::nn::Module {
 public:
  explicit GeneratorImpl(const BigGanConfig& config);
  // cond: [B, 2 z_dim] -> [B, 3, R, R]. first_block_input, if not null, receives the
  // [B, 16ch, 4, 4] input of layers.0.
  at::Tensor forward(const at::Tensor& cond, const StandingStatsChoice& stats,
                     const ForwardFlags& flags, at::Tensor* first_block_input = nullptr);

  BigGanConfig config;
  SnLinear gen_z{nullptr};
  torch::nn::ModuleList layers{nullptr};
  std::vector<GenBlock> blocks;  // the GenBlocks of `layers`, in order
  SelfAttention attention{nullptr};
  StandingBatchNorm bn{nullptr};
  SnConv2d conv_to_rgb{nullptr};
};
TORCH_MODULE(Generator);

// The original's BigGAN: embeddings (Linear, no bias) and generator.
class BigGanImpl : public torch::nn::Module {
 public:
  explicit BigGanImpl(const BigGanConfig& config);
  // Every spectral-normalised layer: W = weight_orig / sigma; then the sub-pixel form of each
  // up-sampling block's conv_1. Call once, after loading.
  void FoldSpectralNorm();
  // z: [B, z_dim], class_vector: [B, num_classes] -> [B, 3, R, R] in [-1, 1]
  at::Tensor forward(const at::Tensor& z, const at::Tensor& class_vector,
                     const StandingStatsChoice& stats, const ForwardFlags& flags,
                     at::Tensor* first_block_input = nullptr);

  torch::nn::Linear embeddings{nullptr};  // weight [z_dim, num_classes]
  Generator generator{nullptr};
};
TORCH_MODULE(BigGan);

}  // namespace clipglass::models::biggan
