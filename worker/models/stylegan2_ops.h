// The tensor operations StyleGAN2 is built from, in plain LibTorch ops (no custom kernels), so they
// run on any device and in any floating dtype: FIR resampling (upfirdn2d), convolution with
// up/down-sampling, bias + activation, modulated convolution, 2nd-moment normalisation and the
// minibatch standard deviation.
//
// Ref: NVlabs/stylegan2-ada-pytorch (d72cc7d), torch_utils/ops/{upfirdn2d,conv2d_resample,
// bias_act}.py (the '_ref' CPU paths) and training/networks.py (modulated_conv2d,
// normalize_2nd_moment, MinibatchStdLayer). Our own code, following their arithmetic.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <optional>

namespace clipglass::models::stylegan2 {

// Paddings [x_before, x_after, y_before, y_after]; negative values crop.
using Padding = std::array<int64_t, 4>;

// Pads, up-samples, filters and down-samples every channel of x [N, C, H, W] with the 2-D FIR
// filter f [fh, fw] (a float32 tensor on any device; cast to x's dtype), in this order:
// insert up-1 zeros after each pixel; pad (or crop) by `pad`; convolve with f * gain (true
// convolution unless flip_filter); keep every down-th pixel. Output:
// [N, C, (H*up + py0 + py1 - fh) / down + 1, (W*up + px0 + px1 - fw) / down + 1].
at::Tensor Upfirdn2d(const at::Tensor& x, const at::Tensor& f, int64_t up, int64_t down,
                     const Padding& pad, double gain = 1.0, bool flip_filter = false);

// 2x up-sampling with the filter (gain up^2 keeps the DC level): [N,C,H,W] -> [N,C,2H,2W].
at::Tensor Upsample2d(const at::Tensor& x, const at::Tensor& f);
// 2x down-sampling with the filter: [N,C,H,W] -> [N,C,H/2,W/2].
at::Tensor Downsample2d(const at::Tensor& x, const at::Tensor& f);

// conv2d_resample for the cases StyleGAN2 uses (up or down is 1; both are 1 or 2).
// w: [O, I/groups, k, k] in x's dtype. `padding` is kernel_size / 2 with respect to the
// up-sampled image. flip_weight=false means true convolution (the synthesis up-convs pass false).
at::Tensor Conv2dResample(const at::Tensor& x, const at::Tensor& w, const at::Tensor& f, int64_t up,
                          int64_t down, int64_t padding, int64_t groups, bool flip_weight);

// bias_act: x + b (per channel, dim 1), then leaky ReLU (slope 0.2) if lrelu, then * gain, then
// clamp to [-clamp, clamp] if clamp is set. b may be undefined.
at::Tensor BiasAct(const at::Tensor& x, const at::Tensor& b, bool lrelu, double gain,
                   std::optional<double> clamp);

// x * rsqrt(mean(x^2 over dim 1) + 1e-8).
at::Tensor NormalizeSecondMoment(const at::Tensor& x);

// How a modulated convolution is executed. Both compute the same function.
enum class ModConvImpl {
  // One grouped convolution over per-sample modulated (and demodulated) weights, as NVIDIA runs
  // it in evaluation (fused_modconv=True). Weight memory grows with the batch.
  kGrouped,
  // Styles scale the input activations, one convolution with the shared weight runs over the
  // whole batch, demodulation scales the output (NVIDIA's fused_modconv=False). One large matrix
  // product per layer: the fast path on CPU.
  kShared,
};

// modulated_conv2d. x: [N, I, H, W] (compute dtype); weight: [O, I, k, k] float32; styles: [N, I]
// float32; noise: undefined or broadcastable to the output (added after demodulation).
// Returns [N, O, H*up, W*up] in x's dtype.
at::Tensor ModulatedConv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& styles,
                           const at::Tensor& noise, int64_t up, int64_t padding,
                           const at::Tensor& resample_filter, bool demodulate, bool flip_weight,
                           ModConvImpl impl);

// BiasAct(ModulatedConv2d(...), bias, lrelu, gain, clamp): what a synthesis layer or ToRGB does.
// kGrouped runs NVIDIA's sequence op by op; kShared fuses demodulation, bias and the gain into one
// pass over the convolution's output (lrelu(a) * g = lrelu(a * g) for g > 0), then adds the noise
// and applies the activation in place: the same function with a different rounding order. When
// autograd records the call (grad mode on and an input requires grad: training), it runs
// out of place, as NVIDIA's training path does, so gradients (and double gradients) are exact.
at::Tensor ModulatedConv2dBiasAct(const at::Tensor& x, const at::Tensor& weight,
                                  const at::Tensor& styles, const at::Tensor& noise, int64_t up,
                                  int64_t padding, const at::Tensor& resample_filter,
                                  bool demodulate, bool flip_weight, ModConvImpl impl,
                                  const at::Tensor& bias, bool lrelu, double gain,
                                  std::optional<double> clamp);

// MinibatchStdLayer: x [N, C, H, W] -> [N, C + num_channels, H, W]. The batch is split as
// x.reshape(G, N/G, ...) with G = min(group_size, N): sample i is grouped with samples
// i mod (N/G) (strided, not consecutive). REQUIRES: N % G == 0.
at::Tensor MinibatchStd(const at::Tensor& x, int64_t group_size, int64_t num_channels);

}  // namespace clipglass::models::stylegan2
