#include "worker/models/stylegan2_generator.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

namespace clipglass::models::stylegan2 {

MappingNetworkImpl::MappingNetworkImpl(const Stylegan2GeneratorConfig& config)
    : num_ws_(config.num_ws) {
  for (int64_t i = 0; i < config.num_mapping_layers(); ++i) {
    fc.push_back(register_module(
        fmt::format("fc{}", i),
        FullyConnectedLayer(config.mapping_features[i], config.mapping_features[i + 1],
                            /*bias=*/true, /*lrelu=*/true, config.mapping_lr_multiplier,
                            /*bias_init=*/0.0)));
  }
  if (config.has_w_avg) w_avg = register_buffer("w_avg", at::zeros({config.w_dim}));
}

at::Tensor MappingNetworkImpl::forward(const at::Tensor& z) {
  at::Tensor x = NormalizeSecondMoment(z.to(at::kFloat));  // x: [N, z_dim]
  for (auto& layer : fc) x = layer->forward(x);            // x: [N, w_dim]
  return x;
}

at::Tensor MappingNetworkImpl::Broadcast(const at::Tensor& w) const {
  return w.unsqueeze(1).repeat({1, num_ws_, 1});  // [N, num_ws, w_dim]
}

at::Tensor MappingNetworkImpl::Truncate(const at::Tensor& ws, double psi,
                                        std::optional<int64_t> cutoff) const {
  if (psi == 1.0) return ws;
  TORCH_CHECK(w_avg.defined(), "truncation needs mapping.w_avg, which the checkpoint lacks");
  if (!cutoff.has_value()) return at::lerp(w_avg, ws, psi);  // [N, num_ws, w_dim]
  at::Tensor out = ws.clone();
  const int64_t n = std::min<int64_t>(*cutoff, ws.size(1));
  out.narrow(1, 0, n).copy_(at::lerp(w_avg, ws.narrow(1, 0, n), psi));
  return out;
}

SynthesisLayerImpl::SynthesisLayerImpl(int64_t in_channels, int64_t out_channels, int64_t w_dim,
                                       int64_t resolution, int64_t kernel_size, int64_t up,
                                       bool use_noise, std::optional<double> conv_clamp)
    : resolution_(resolution),
      up_(up),
      padding_(kernel_size / 2),
      use_noise_(use_noise),
      conv_clamp_(conv_clamp) {
  resample_filter = register_buffer("resample_filter", DefaultResampleFilter());
  affine = register_module("affine", FullyConnectedLayer(w_dim, in_channels, /*bias=*/true,
                                                         /*lrelu=*/false, 1.0, /*bias_init=*/1.0));
  weight =
      register_parameter("weight", at::randn({out_channels, in_channels, kernel_size, kernel_size}),
                         /*requires_grad=*/false);
  if (use_noise) {
    noise_const = register_buffer("noise_const", at::randn({resolution, resolution}));
    noise_strength = register_parameter("noise_strength", at::zeros({}), /*requires_grad=*/false);
  }
  bias = register_parameter("bias", at::zeros({out_channels}), /*requires_grad=*/false);
}

at::Tensor SynthesisLayerImpl::forward(const at::Tensor& x, const at::Tensor& w,
                                       NoiseMode noise_mode, const at::Tensor& random_noise,
                                       ModConvImpl modconv) {
  const at::Tensor styles = affine->forward(w);  // styles: [N, in] float32
  at::Tensor noise;
  if (use_noise_ && noise_mode == NoiseMode::kRandom) {
    TORCH_CHECK(random_noise.defined(), "synthesis layer at ", resolution_,
                ": random noise mode without a noise tensor");
    noise = random_noise * noise_strength;  // noise: [N, 1, res, res]
  } else if (use_noise_ && noise_mode == NoiseMode::kConst) {
    noise = noise_const * noise_strength;  // noise: [res, res]
  }
  const bool flip_weight = up_ == 1;
  return ModulatedConv2dBiasAct(x, weight, styles, noise, up_, padding_, resample_filter,
                                /*demodulate=*/true, flip_weight, modconv, bias, /*lrelu=*/true,
                                kLreluGain, conv_clamp_);  // [N, O, res, res]
}

ToRGBLayerImpl::ToRGBLayerImpl(int64_t in_channels, int64_t out_channels, int64_t w_dim,
                               std::optional<double> conv_clamp)
    : weight_gain_(1.0 / std::sqrt(static_cast<double>(in_channels))), conv_clamp_(conv_clamp) {
  affine = register_module("affine", FullyConnectedLayer(w_dim, in_channels, /*bias=*/true,
                                                         /*lrelu=*/false, 1.0, /*bias_init=*/1.0));
  weight = register_parameter("weight", at::randn({out_channels, in_channels, 1, 1}),
                              /*requires_grad=*/false);
  bias = register_parameter("bias", at::zeros({out_channels}), /*requires_grad=*/false);
}

at::Tensor ToRGBLayerImpl::forward(const at::Tensor& x, const at::Tensor& w, ModConvImpl modconv) {
  const at::Tensor styles = affine->forward(w) * weight_gain_;  // styles: [N, in] float32
  return ModulatedConv2dBiasAct(x, weight, styles, /*noise=*/{}, /*up=*/1, /*padding=*/0,
                                /*resample_filter=*/{}, /*demodulate=*/false,
                                /*flip_weight=*/true, modconv, bias, /*lrelu=*/false, 1.0,
                                conv_clamp_);  // [N, C, H, W]
}

SynthesisBlockImpl::SynthesisBlockImpl(int64_t in_channels, int64_t out_channels,
                                       int64_t resolution, const Stylegan2GeneratorConfig& config) {
  resample_filter = register_buffer("resample_filter", DefaultResampleFilter());
  if (in_channels == 0) {
    constant = register_parameter("const", at::randn({out_channels, resolution, resolution}),
                                  /*requires_grad=*/false);
  } else {
    conv0 = register_module(
        "conv0", SynthesisLayer(in_channels, out_channels, config.w_dim, resolution,
                                config.kernel_size, /*up=*/2, config.use_noise, config.conv_clamp));
  }
  conv1 = register_module(
      "conv1", SynthesisLayer(out_channels, out_channels, config.w_dim, resolution,
                              config.kernel_size, /*up=*/1, config.use_noise, config.conv_clamp));
  torgb = register_module(
      "torgb", ToRGBLayer(out_channels, config.img_channels, config.w_dim, config.conv_clamp));
}

std::pair<at::Tensor, at::Tensor> SynthesisBlockImpl::forward(const at::Tensor& x,
                                                              const at::Tensor& img,
                                                              const at::Tensor& ws,
                                                              const SynthesisArgs& args,
                                                              size_t* noise_index) {
  const int64_t batch = ws.size(0);
  int64_t w_index = 0;
  auto next_noise = [&](const SynthesisLayer& layer) -> at::Tensor {
    if (args.noise_mode != NoiseMode::kRandom || !layer->use_noise()) return {};
    TORCH_CHECK(args.random_noise != nullptr && *noise_index < args.random_noise->size(),
                "synthesis: fewer random noise tensors than noise layers");
    return (*args.random_noise)[(*noise_index)++];
  };
  auto run = [&](SynthesisLayer& layer, const at::Tensor& input) {
    const at::Tensor noise = next_noise(layer);
    return layer->forward(input, ws.select(1, w_index++), args.noise_mode, noise, args.modconv);
  };

  at::Tensor h;
  if (conv0.is_empty()) {
    h = constant.to(args.dtype)
            .unsqueeze(0)
            .repeat({batch, 1, 1, 1})
            .contiguous(args.memory_format);  // h: [N, out, 4, 4]
    h = run(conv1, h);                        // h: [N, out, 4, 4]
  } else {
    h = x.to(args.dtype).contiguous(args.memory_format);  // h: [N, in, res/2, res/2]
    h = run(conv0, h);                                    // h: [N, out, res, res]
    h = run(conv1, h);                                    // h: [N, out, res, res]
  }

  at::Tensor out_img;
  if (img.defined()) out_img = Upsample2d(img, resample_filter);  // [N, C, res, res] float32
  const at::Tensor y = torgb->forward(h, ws.select(1, w_index), args.modconv)
                           .to(at::kFloat)
                           .contiguous();  // y: [N, C, res, res]
  out_img = out_img.defined() ? out_img + y : y;
  return {h, out_img};
}

SynthesisNetworkImpl::SynthesisNetworkImpl(const Stylegan2GeneratorConfig& config)
    : num_ws_(config.num_ws), w_dim_(config.w_dim) {
  for (const int64_t res : config.block_resolutions) {
    const int64_t in_channels = res > 4 ? config.channels.at(res / 2) : 0;
    blocks.emplace_back(
        res, register_module(fmt::format("b{}", res),
                             SynthesisBlock(in_channels, config.channels.at(res), res, config)));
  }
}

at::Tensor SynthesisNetworkImpl::forward(const at::Tensor& ws, const SynthesisArgs& args) {
  TORCH_CHECK(ws.dim() == 3 && ws.size(1) == num_ws_ && ws.size(2) == w_dim_,
              "synthesis: ws should be [N, ", num_ws_, ", ", w_dim_, "], got ", ws.sizes());
  const at::Tensor w32 = ws.to(at::kFloat);
  at::Tensor x;
  at::Tensor img;
  int64_t w_index = 0;
  size_t noise_index = 0;
  for (auto& [res, block] : blocks) {
    const at::Tensor block_ws =
        w32.narrow(1, w_index, block->num_conv() + block->num_torgb());  // [N, 2|3, w_dim]
    w_index += block->num_conv();
    std::tie(x, img) = block->forward(x, img, block_ws, args, &noise_index);
  }
  return img;  // [N, img_channels, R, R] float32
}

std::vector<int64_t> SynthesisNetworkImpl::NoiseResolutions() const {
  std::vector<int64_t> out;
  for (const auto& [res, block] : blocks) {
    if (!block->conv0.is_empty() && block->conv0->use_noise()) out.push_back(res);
    if (block->conv1->use_noise()) out.push_back(res);
  }
  return out;
}

GeneratorImpl::GeneratorImpl(const Stylegan2GeneratorConfig& config) : config_(config) {
  synthesis = register_module("synthesis", SynthesisNetwork(config));
  mapping = register_module("mapping", MappingNetwork(config));
}

at::Tensor GeneratorImpl::forward(const at::Tensor& z, double psi, std::optional<int64_t> cutoff,
                                  const SynthesisArgs& args) {
  const at::Tensor ws = mapping->Truncate(mapping->Broadcast(mapping->forward(z)), psi, cutoff);
  return synthesis->forward(ws, args);  // [N, C, R, R]
}

}  // namespace clipglass::models::stylegan2
