#include "worker/models/stylegan2_ops.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <utility>
#include <vector>

namespace clipglass::models::stylegan2 {
namespace {

bool IsHalf(const at::Tensor& x) { return x.scalar_type() == at::kHalf; }

// True when autograd records this call: gradients enabled and some defined input requires them.
// Never true under InferenceMode or NoGradGuard, so inference keeps its in-place fast paths.
bool NeedsAutograd(std::initializer_list<at::Tensor> inputs) {
  if (!at::GradMode::is_enabled()) return false;
  for (const at::Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

// _conv2d_wrapper: flip_weight=false turns conv2d's correlation into a true convolution.
at::Tensor Conv(const at::Tensor& x, const at::Tensor& w, int64_t stride, int64_t pad_y,
                int64_t pad_x, int64_t groups, bool transpose, bool flip_weight) {
  at::Tensor weight = w;
  if (!flip_weight && (w.size(2) > 1 || w.size(3) > 1)) weight = w.flip({2, 3});
  const std::array<int64_t, 2> strides{stride, stride};
  const std::array<int64_t, 2> paddings{pad_y, pad_x};
  const std::array<int64_t, 2> ones{1, 1};
  if (transpose) {
    const std::array<int64_t, 2> output_padding{0, 0};
    if (x.device().is_cpu() && x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble) {
      // LibTorch 1.13's CPU conv_transpose2d sends reduced precision to a forward mkldnn conv
      // (wrong shapes); run it in float32 there. GPUs take the direct path.
      return at::conv_transpose2d(x.to(at::kFloat), weight.to(at::kFloat), /*bias=*/{}, strides,
                                  paddings, output_padding, groups, ones)
          .to(x.scalar_type());
    }
    return at::conv_transpose2d(x, weight, /*bias=*/{}, strides, paddings, output_padding, groups,
                                ones);
  }
  return at::conv2d(x, weight, /*bias=*/{}, strides, paddings, ones, groups);
}

// conv_transpose2d(x, wt, stride 2, padding 0), where wt is w [O, I/groups, kh, kw] with in and
// out axes swapped per group, computed as four forward convolutions (polyphase): output row
// r = 2m + p collects the kernel rows ky = p, p + 2, ... as x[m - (ky - p) / 2] * w[ky], a
// correlation of x padded by taps - 1 with the reversed sub-kernel; the same for columns. Same
// multiply-adds as the transposed convolution, but LibTorch 1.13's CPU forward convolution
// (mkldnn) is several times faster than its transposed one. Output: [N, O, 2H + kh - 2, 2W + kw -
// 2].
at::Tensor TransposedConvStride2(const at::Tensor& x, const at::Tensor& w, int64_t groups) {
  const int64_t n = x.size(0);
  const int64_t h = x.size(2);
  const int64_t wd = x.size(3);
  const int64_t kh = w.size(2);
  const int64_t kw = w.size(3);
  at::Tensor out = at::empty({n, w.size(0), 2 * (h - 1) + kh, 2 * (wd - 1) + kw},
                             x.options().memory_format(x.suggest_memory_format()));
  // Reversed kernel: flipped index j holds ky = k - 1 - j, so the taps of phase p in the reversed
  // order a correlation needs are every other flipped row from (k - 1 - p) % 2.
  const at::Tensor flipped = w.flip({2, 3});  // [O, I/groups, kh, kw]
  for (int64_t py = 0; py < 2; ++py) {
    const int64_t ty = (kh - py + 1) / 2;  // taps of this row phase
    for (int64_t px = 0; px < 2; ++px) {
      const int64_t tx = (kw - px + 1) / 2;
      at::Tensor dst = out.slice(2, py, c10::nullopt, 2).slice(3, px, c10::nullopt, 2);
      if (ty == 0 || tx == 0) {
        dst.zero_();
        continue;
      }
      const at::Tensor k = flipped.slice(2, (kh - 1 - py) % 2, c10::nullopt, 2)
                               .slice(3, (kw - 1 - px) % 2, c10::nullopt, 2);  // [O, I/g, ty, tx]
      const std::array<int64_t, 2> ones{1, 1};
      const std::array<int64_t, 2> pads{ty - 1, tx - 1};
      dst.copy_(at::conv2d(x, k.contiguous(), /*bias=*/{}, ones, pads, ones,
                           groups));  // [N, O, H+ty-1, W+tx-1]
    }
  }
  return out;
}

}  // namespace

at::Tensor Upfirdn2d(const at::Tensor& x, const at::Tensor& f, int64_t up, int64_t down,
                     const Padding& pad, double gain, bool flip_filter) {
  TORCH_CHECK(x.dim() == 4, "upfirdn2d: x must be [N, C, H, W], got ", x.sizes());
  TORCH_CHECK(f.dim() == 2, "upfirdn2d: the filter must be [fh, fw], got ", f.sizes());
  const int64_t n = x.size(0);
  const int64_t c = x.size(1);
  const int64_t h = x.size(2);
  const int64_t w = x.size(3);
  const auto [px0, px1, py0, py1] = pad;

  // Up-sample by inserting zeros after each pixel.
  at::Tensor y = x;
  if (up > 1) {
    y = y.reshape({n, c, h, 1, w, 1});                         // y: [N, C, H, 1, W, 1]
    y = at::constant_pad_nd(y, {0, up - 1, 0, 0, 0, up - 1});  // y: [N, C, H, up, W, up]
    y = y.reshape({n, c, h * up, w * up});                     // y: [N, C, H*up, W*up]
  }

  // Pad, or crop where the padding is negative. Symmetric non-negative padding is left to the
  // convolution below (no padded copy).
  const bool conv_pads = px0 == px1 && py0 == py1 && px0 >= 0 && py0 >= 0;
  if (!conv_pads) {
    y = at::constant_pad_nd(y, {std::max<int64_t>(px0, 0), std::max<int64_t>(px1, 0),
                                std::max<int64_t>(py0, 0), std::max<int64_t>(py1, 0)});
    y = y.slice(2, std::max<int64_t>(-py0, 0), y.size(2) - std::max<int64_t>(-py1, 0))
            .slice(3, std::max<int64_t>(-px0, 0), y.size(3) - std::max<int64_t>(-px1, 0));
  }

  // Depthwise convolution with the (flipped: conv2d correlates) filter; keeping every down-th
  // output pixel is a strided convolution.
  at::Tensor k = f * std::pow(gain, f.dim() / 2.0);
  k = k.to(y.options());
  if (!flip_filter) k = k.flip({0, 1});
  k = k.reshape({1, 1, f.size(0), f.size(1)}).expand({c, 1, f.size(0), f.size(1)}).contiguous();
  const std::array<int64_t, 2> strides{down, down};
  const std::array<int64_t, 2> paddings{conv_pads ? py0 : 0, conv_pads ? px0 : 0};
  const std::array<int64_t, 2> ones{1, 1};
  return at::conv2d(y, k, /*bias=*/{}, strides, paddings, ones, c);  // [N, C, H', W']
}

at::Tensor Upsample2d(const at::Tensor& x, const at::Tensor& f) {
  const int64_t fw = f.size(1);
  const int64_t fh = f.size(0);
  const int64_t up = 2;
  return Upfirdn2d(x, f, up, 1,
                   {(fw + up - 1) / 2, (fw - up) / 2, (fh + up - 1) / 2, (fh - up) / 2},
                   /*gain=*/up * up);
}

at::Tensor Downsample2d(const at::Tensor& x, const at::Tensor& f) {
  const int64_t fw = f.size(1);
  const int64_t fh = f.size(0);
  const int64_t down = 2;
  return Upfirdn2d(x, f, 1, down,
                   {(fw - down + 1) / 2, (fw - down) / 2, (fh - down + 1) / 2, (fh - down) / 2});
}

at::Tensor Conv2dResample(const at::Tensor& x, const at::Tensor& w, const at::Tensor& f, int64_t up,
                          int64_t down, int64_t padding, int64_t groups, bool flip_weight) {
  TORCH_CHECK(up >= 1 && down >= 1 && (up == 1 || down == 1),
              "conv2d_resample: up and down cannot both exceed 1");
  const int64_t out_channels = w.size(0);
  const int64_t in_per_group = w.size(1);
  const int64_t kh = w.size(2);
  const int64_t kw = w.size(3);
  int64_t px0 = padding, px1 = padding, py0 = padding, py1 = padding;
  if (up > 1 || down > 1) {
    TORCH_CHECK(f.defined() && f.dim() == 2, "conv2d_resample: resampling needs a 2-D filter");
    const int64_t fh = f.size(0);
    const int64_t fw = f.size(1);
    if (up > 1) {
      px0 += (fw + up - 1) / 2;
      px1 += (fw - up) / 2;
      py0 += (fh + up - 1) / 2;
      py1 += (fh - up) / 2;
    }
    if (down > 1) {
      px0 += (fw - down + 1) / 2;
      px1 += (fw - down) / 2;
      py0 += (fh - down + 1) / 2;
      py1 += (fh - down) / 2;
    }
  }

  // 1x1 convolution with down-sampling: down-sample first, then convolve.
  if (kw == 1 && kh == 1 && down > 1) {
    const at::Tensor y = Upfirdn2d(x, f, 1, down, {px0, px1, py0, py1});
    return Conv(y, w, 1, 0, 0, groups, /*transpose=*/false, flip_weight);
  }
  // 1x1 convolution with up-sampling: convolve first, then up-sample.
  if (kw == 1 && kh == 1 && up > 1) {
    const at::Tensor y = Conv(x, w, 1, 0, 0, groups, /*transpose=*/false, flip_weight);
    return Upfirdn2d(y, f, up, 1, {px0, px1, py0, py1}, /*gain=*/up * up);
  }
  // Down-sampling: filter, then a strided convolution.
  if (down > 1) {
    const at::Tensor y = Upfirdn2d(x, f, 1, 1, {px0, px1, py0, py1});
    return Conv(y, w, down, 0, 0, groups, /*transpose=*/false, flip_weight);
  }
  // Up-sampling: a strided transposed convolution, then the filter.
  if (up > 1) {
    at::Tensor wt;
    if (groups == 1) {
      wt = w.transpose(0, 1);  // wt: [I, O, kh, kw]
    } else {
      wt = w.reshape({groups, out_channels / groups, in_per_group, kh, kw})
               .transpose(1, 2)
               .reshape({groups * in_per_group, out_channels / groups, kh, kw});
    }
    px0 -= kw - 1;
    px1 -= kw - up;
    py0 -= kh - 1;
    py1 -= kh - up;
    const int64_t pxt = std::max<int64_t>(std::min(-px0, -px1), 0);
    const int64_t pyt = std::max<int64_t>(std::min(-py0, -py1), 0);
    at::Tensor y;
    if (up == 2 && pxt == 0 && pyt == 0) {
      // conv_transpose2d's weight is wt; with !flip_weight the wrapper would flip it first.
      y = TransposedConvStride2(x, flip_weight ? w.flip({2, 3}) : w, groups);
    } else {
      y = Conv(x, wt, up, pyt, pxt, groups, /*transpose=*/true, !flip_weight);
    }
    return Upfirdn2d(y, f, 1, 1, {px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt},
                     /*gain=*/up * up);
  }
  // No resampling, symmetric padding: a plain convolution.
  TORCH_CHECK(px0 == px1 && py0 == py1 && px0 >= 0 && py0 >= 0,
              "conv2d_resample: unsupported padding");
  return Conv(x, w, 1, py0, px0, groups, /*transpose=*/false, flip_weight);
}

at::Tensor BiasAct(const at::Tensor& x, const at::Tensor& b, bool lrelu, double gain,
                   std::optional<double> clamp) {
  at::Tensor y = x;
  if (b.defined()) {
    std::vector<int64_t> shape(x.dim(), 1);
    shape[1] = -1;
    y = y + b.to(x.scalar_type()).reshape(shape);
  }
  if (lrelu) y = at::leaky_relu(y, 0.2);
  if (gain != 1.0) y = y * gain;
  if (clamp.has_value()) y = y.clamp(-*clamp, *clamp);
  return y;
}

at::Tensor NormalizeSecondMoment(const at::Tensor& x) {
  return x * (x.square().mean(1, /*keepdim=*/true) + 1e-8).rsqrt();
}

namespace {

// The shared-weight execution up to the convolution: pre-normalised weight and styles (float16),
// modulated input, convolution with the shared weight. Returns {conv output [N, O, H', W'],
// demodulation coefficients [N, O] float32 (undefined without demodulation)}.
std::pair<at::Tensor, at::Tensor> SharedModConv(const at::Tensor& x, const at::Tensor& weight,
                                                const at::Tensor& styles, int64_t up,
                                                int64_t padding, const at::Tensor& resample_filter,
                                                bool demodulate, bool flip_weight) {
  const int64_t batch = x.size(0);
  at::Tensor w0 = weight;  // [O, I, kh, kw]
  at::Tensor s = styles;   // [N, I]
  if (IsHalf(x) && demodulate) {
    const int64_t fan_in = weight.size(1) * weight.size(2) * weight.size(3);
    w0 = w0 * (1.0 / std::sqrt(static_cast<double>(fan_in)) /
               w0.abs().amax({1, 2, 3}, /*keepdim=*/true));
    s = s / s.abs().amax({1}, /*keepdim=*/true);
  }
  at::Tensor y = x * s.to(x.scalar_type()).reshape({batch, -1, 1, 1});  // y: [N, I, H, W]
  y = Conv2dResample(y, w0.to(x.scalar_type()), resample_filter, up, 1, padding, 1,
                     flip_weight);  // y: [N, O, H*up, W*up]
  at::Tensor dcoefs;
  if (demodulate) {
    // sum over (i, ky, kx) of (w[o,i,ky,kx] * s[n,i])^2 = (s^2) @ (sum_k w^2)^T.
    dcoefs = (s.square().mm(w0.square().sum({2, 3}).t()) + 1e-8).rsqrt();  // dcoefs: [N, O]
  }
  return {y, dcoefs};
}

void CheckModConvShapes(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& styles) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == weight.size(1), "modulated_conv2d: x ", x.sizes(),
              " does not fit weight ", weight.sizes());
  TORCH_CHECK(styles.dim() == 2 && styles.size(0) == x.size(0) && styles.size(1) == weight.size(1),
              "modulated_conv2d: styles ", styles.sizes(), " do not fit x ", x.sizes());
}

}  // namespace

at::Tensor ModulatedConv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& styles,
                           const at::Tensor& noise, int64_t up, int64_t padding,
                           const at::Tensor& resample_filter, bool demodulate, bool flip_weight,
                           ModConvImpl impl) {
  CheckModConvShapes(x, weight, styles);
  const int64_t batch = x.size(0);
  if (impl == ModConvImpl::kShared) {
    // Styles scale the activations, one convolution over the batch, demodulation on the output.
    auto [y, dcoefs] = SharedModConv(x, weight, styles, up, padding, resample_filter, demodulate,
                                     flip_weight);  // y: [N, O, H', W']
    if (demodulate) y = y * dcoefs.to(y.scalar_type()).reshape({batch, -1, 1, 1});
    if (noise.defined()) y = y + noise.to(y.scalar_type());
    return y;
  }

  const int64_t in_channels = weight.size(1);
  const int64_t kh = weight.size(2);
  const int64_t kw = weight.size(3);
  // Pre-normalise in float32 so that float16 activations cannot overflow; with demodulation the
  // two scalings cancel exactly.
  at::Tensor w0 = weight;  // [O, I, kh, kw]
  at::Tensor s = styles;   // [N, I]
  if (IsHalf(x) && demodulate) {
    w0 = w0 * (1.0 / std::sqrt(static_cast<double>(in_channels * kh * kw)) /
               w0.abs().amax({1, 2, 3}, /*keepdim=*/true));
    s = s / s.abs().amax({1}, /*keepdim=*/true);
  }
  at::Tensor w = w0.unsqueeze(0) * s.reshape({batch, 1, -1, 1, 1});  // w: [N, O, I, kh, kw]
  if (demodulate) {
    const at::Tensor dcoefs = (w.square().sum({2, 3, 4}) + 1e-8).rsqrt();  // [N, O]
    w = w * dcoefs.reshape({batch, -1, 1, 1, 1});
  }
  at::Tensor y = x.reshape({1, -1, x.size(2), x.size(3)});  // y: [1, N*I, H, W]
  w = w.reshape({-1, in_channels, kh, kw});                 // w: [N*O, I, kh, kw]
  y = Conv2dResample(y, w.to(x.scalar_type()), resample_filter, up, 1, padding, batch,
                     flip_weight);                   // y: [1, N*O, H*up, W*up]
  y = y.reshape({batch, -1, y.size(2), y.size(3)});  // y: [N, O, H*up, W*up]
  if (noise.defined()) y = y + noise.to(y.scalar_type());
  return y;
}

at::Tensor ModulatedConv2dBiasAct(const at::Tensor& x, const at::Tensor& weight,
                                  const at::Tensor& styles, const at::Tensor& noise, int64_t up,
                                  int64_t padding, const at::Tensor& resample_filter,
                                  bool demodulate, bool flip_weight, ModConvImpl impl,
                                  const at::Tensor& bias, bool lrelu, double gain,
                                  std::optional<double> clamp) {
  if (impl == ModConvImpl::kGrouped) {
    return BiasAct(ModulatedConv2d(x, weight, styles, noise, up, padding, resample_filter,
                                   demodulate, flip_weight, impl),
                   bias, lrelu, gain, clamp);
  }
  CheckModConvShapes(x, weight, styles);
  if (NeedsAutograd({x, weight, styles, bias, noise})) {
    // Training: the fused path below writes in place over tensors autograd saves. Run NVIDIA's
    // training sequence (fused_modconv=False) out of place instead: the same function.
    return BiasAct(ModulatedConv2d(x, weight, styles, noise, up, padding, resample_filter,
                                   demodulate, flip_weight, ModConvImpl::kShared),
                   bias, lrelu, gain, clamp);
  }
  const int64_t batch = x.size(0);
  if (weight.size(2) == 1 && weight.size(3) == 1 && up == 1 && !demodulate && !noise.defined()) {
    // ToRGB: per-sample 1x1 weights [N, O, I] (tiny), one batched matrix product over the pixels,
    // instead of a modulation pass over the (large, few-channel) input.
    const int64_t n = batch;
    const int64_t h = x.size(2);
    const int64_t wd = x.size(3);
    const at::Tensor wmod = (weight.reshape({1, weight.size(0), -1}) * styles.unsqueeze(1) * gain)
                                .to(x.scalar_type());  // wmod: [N, O, I]
    at::Tensor y;
    if (x.is_contiguous(at::MemoryFormat::ChannelsLast)) {
      y = at::bmm(x.permute({0, 2, 3, 1}).reshape({n, h * wd, -1}), wmod.transpose(1, 2))
              .reshape({n, h, wd, -1})
              .permute({0, 3, 1, 2});  // y: [N, O, H, W] (channels-last memory)
    } else {
      y = at::bmm(wmod, x.reshape({n, x.size(1), h * wd})).reshape({n, -1, h, wd});  // [N,O,H,W]
    }
    if (bias.defined())
      y = y + (bias.to(at::kFloat) * gain).to(y.scalar_type()).reshape({1, -1, 1, 1});
    if (lrelu) at::leaky_relu_(y, 0.2);
    if (clamp.has_value()) y.clamp_(-*clamp, *clamp);
    return y;
  }
  auto [y, dcoefs] = SharedModConv(x, weight, styles, up, padding, resample_filter, demodulate,
                                   flip_weight);  // y: [N, O, H', W']
  // lrelu(a) * gain = lrelu(a * gain): fold the gain into the scale, the bias and the noise, and
  // run in place on the convolution's fresh output: scale, shift (+ noise), activation.
  const at::ScalarType dtype = y.scalar_type();
  if (demodulate) {
    y.mul_((dcoefs * gain).to(dtype).reshape({batch, -1, 1, 1}));  // y: [N, O, H', W']
  } else if (gain != 1.0) {
    y.mul_(gain);
  }
  at::Tensor shift;  // [1, O, 1, 1], or [1, O, H', W'] with a noise shared by every sample
  if (bias.defined()) shift = (bias.to(at::kFloat) * gain).to(dtype).reshape({1, -1, 1, 1});
  if (noise.defined()) {
    const at::Tensor scaled_noise = noise.to(dtype) * gain;  // [H', W'] or [N, 1, H', W']
    const bool shared_noise = noise.dim() < 4 || noise.size(0) == 1;
    if (shift.defined() && shared_noise) {
      shift = shift + scaled_noise;  // one pass over the output instead of two
    } else {
      y.add_(scaled_noise);
    }
  }
  if (shift.defined()) y.add_(shift);
  if (lrelu) at::leaky_relu_(y, 0.2);
  if (clamp.has_value()) y.clamp_(-*clamp, *clamp);
  return y;
}

at::Tensor MinibatchStd(const at::Tensor& x, int64_t group_size, int64_t num_channels) {
  const int64_t n = x.size(0);
  const int64_t c = x.size(1);
  const int64_t h = x.size(2);
  const int64_t w = x.size(3);
  const int64_t g = group_size > 0 ? std::min(group_size, n) : n;
  const int64_t f = num_channels;
  TORCH_CHECK(n % g == 0, "minibatch std: batch ", n, " is not a multiple of the group size ", g);
  TORCH_CHECK(c % f == 0, "minibatch std: ", c, " channels do not split into ", f, " groups");
  at::Tensor y = x.reshape({g, -1, f, c / f, h, w});  // y: [G, n, F, c, H, W]
  y = y - y.mean(0);                                  // y: [G, n, F, c, H, W]
  y = y.square().mean(0);                             // y: [n, F, c, H, W] variance over group
  y = (y + 1e-8).sqrt();                              // y: [n, F, c, H, W] stddev over group
  y = y.mean({2, 3, 4});                              // y: [n, F]
  y = y.reshape({-1, f, 1, 1});                       // y: [n, F, 1, 1]
  y = y.repeat({g, 1, h, w});                         // y: [N, F, H, W]
  return at::cat({x, y}, 1);                          // [N, C + F, H, W]
}

}  // namespace clipglass::models::stylegan2
