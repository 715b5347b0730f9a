#include "worker/models/stylegan2_layers.h"

#include <ATen/ATen.h>

#include <cmath>

#include "worker/models/stylegan2_ops.h"

namespace clipglass::models::stylegan2 {

at::Tensor DefaultResampleFilter() {
  const at::Tensor taps = at::tensor({1.0f, 3.0f, 3.0f, 1.0f});
  const at::Tensor f = at::outer(taps, taps);  // f: [4, 4]
  return f / f.sum();
}

FullyConnectedLayerImpl::FullyConnectedLayerImpl(int64_t in_features, int64_t out_features,
                                                 bool bias, bool lrelu, double lr_multiplier,
                                                 double bias_init)
    : lrelu_(lrelu),
      weight_gain_(lr_multiplier / std::sqrt(static_cast<double>(in_features))),
      bias_gain_(lr_multiplier) {
  weight = register_parameter("weight", at::randn({out_features, in_features}) / lr_multiplier,
                              /*requires_grad=*/false);
  if (bias) {
    this->bias = register_parameter("bias", at::full({out_features}, bias_init),
                                    /*requires_grad=*/false);
  }
}

at::Tensor FullyConnectedLayerImpl::forward(const at::Tensor& x) {
  const at::Tensor w = weight.to(x.scalar_type()) * weight_gain_;  // w: [out, in]
  at::Tensor b;
  if (bias.defined()) {
    b = bias.to(x.scalar_type());
    if (bias_gain_ != 1.0) b = b * bias_gain_;  // b: [out]
  }
  if (!lrelu_ && b.defined()) return at::addmm(b.unsqueeze(0), x, w.t());  // [N, out]
  const at::Tensor y = x.matmul(w.t());                                    // y: [N, out]
  return BiasAct(y, b, lrelu_, lrelu_ ? kLreluGain : 1.0, std::nullopt);
}

Conv2dLayerImpl::Conv2dLayerImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                 bool bias, bool lrelu, int64_t up, int64_t down,
                                 std::optional<double> conv_clamp)
    : lrelu_(lrelu),
      up_(up),
      down_(down),
      padding_(kernel_size / 2),
      weight_gain_(1.0 / std::sqrt(static_cast<double>(in_channels * kernel_size * kernel_size))),
      conv_clamp_(conv_clamp) {
  resample_filter = register_buffer("resample_filter", DefaultResampleFilter());
  weight =
      register_parameter("weight", at::randn({out_channels, in_channels, kernel_size, kernel_size}),
                         /*requires_grad=*/false);
  if (bias) {
    this->bias = register_parameter("bias", at::zeros({out_channels}), /*requires_grad=*/false);
  }
}

at::Tensor Conv2dLayerImpl::forward(const at::Tensor& x, double gain) {
  const at::Tensor w = (weight * weight_gain_).to(x.scalar_type());  // w: [out, in, k, k]
  const bool flip_weight = up_ == 1;
  const at::Tensor y =
      Conv2dResample(x, w, resample_filter, up_, down_, padding_, 1, flip_weight);  // [N,O,H',W']
  std::optional<double> clamp;
  if (conv_clamp_) clamp = *conv_clamp_ * gain;
  return BiasAct(y, bias, lrelu_, (lrelu_ ? kLreluGain : 1.0) * gain, clamp);
}

}  // namespace clipglass::models::stylegan2
