#include "worker/models/stylegan2_discriminator.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

#include "worker/models/stylegan2_ops.h"

namespace clipglass::models::stylegan2 {
namespace {
const double kSqrtHalf = std::sqrt(0.5);
}  // namespace

DiscriminatorBlockImpl::DiscriminatorBlockImpl(int64_t in_channels, int64_t tmp_channels,
                                               int64_t out_channels, int64_t img_channels,
                                               std::optional<double> conv_clamp) {
  resample_filter = register_buffer("resample_filter", DefaultResampleFilter());
  if (in_channels == 0) {
    fromrgb = register_module("fromrgb", Conv2dLayer(img_channels, tmp_channels, 1, /*bias=*/true,
                                                     /*lrelu=*/true, 1, 1, conv_clamp));
  }
  conv0 = register_module("conv0", Conv2dLayer(tmp_channels, tmp_channels, 3, /*bias=*/true,
                                               /*lrelu=*/true, 1, 1, conv_clamp));
  conv1 = register_module("conv1", Conv2dLayer(tmp_channels, out_channels, 3, /*bias=*/true,
                                               /*lrelu=*/true, 1, /*down=*/2, conv_clamp));
  skip = register_module("skip", Conv2dLayer(tmp_channels, out_channels, 1, /*bias=*/false,
                                             /*lrelu=*/false, 1, /*down=*/2, std::nullopt));
}

at::Tensor DiscriminatorBlockImpl::forward(const at::Tensor& x, const at::Tensor& img,
                                           at::ScalarType dtype, at::MemoryFormat memory_format) {
  at::Tensor h;
  if (x.defined()) h = x.to(dtype).contiguous(memory_format);  // h: [N, tmp, res, res]
  if (!fromrgb.is_empty()) {
    const at::Tensor y =
        fromrgb->forward(img.to(dtype).contiguous(memory_format));  // y: [N, tmp, res, res]
    h = h.defined() ? h + y : y;
  }
  const at::Tensor y = skip->forward(h, kSqrtHalf);  // y: [N, out, res/2, res/2]
  h = conv0->forward(h);                             // h: [N, tmp, res, res]
  h = conv1->forward(h, kSqrtHalf);                  // h: [N, out, res/2, res/2]
  return y + h;
}

DiscriminatorEpilogueImpl::DiscriminatorEpilogueImpl(int64_t in_channels, int64_t resolution,
                                                     int64_t mbstd_group_size,
                                                     int64_t mbstd_num_channels,
                                                     std::optional<double> conv_clamp)
    : mbstd_group_size_(mbstd_group_size), mbstd_num_channels_(mbstd_num_channels) {
  conv = register_module("conv", Conv2dLayer(in_channels + mbstd_num_channels, in_channels, 3,
                                             /*bias=*/true, /*lrelu=*/true, 1, 1, conv_clamp));
  fc = register_module("fc", FullyConnectedLayer(in_channels * resolution * resolution, in_channels,
                                                 /*bias=*/true, /*lrelu=*/true, 1.0, 0.0));
  out = register_module("out", FullyConnectedLayer(in_channels, 1, /*bias=*/true,
                                                   /*lrelu=*/false, 1.0, 0.0));
}

at::Tensor DiscriminatorEpilogueImpl::forward(const at::Tensor& x) {
  at::Tensor h = x.to(at::kFloat);  // h: [N, C4, 4, 4]
  if (mbstd_num_channels_ > 0) {
    h = MinibatchStd(h, mbstd_group_size_, mbstd_num_channels_);  // h: [N, C4 + F, 4, 4]
  }
  h = conv->forward(h);           // h: [N, C4, 4, 4]
  h = fc->forward(h.flatten(1));  // h: [N, C4]
  return out->forward(h);         // [N, 1]
}

DiscriminatorImpl::DiscriminatorImpl(const Stylegan2DiscriminatorConfig& config) : config_(config) {
  for (const int64_t res : config.block_resolutions) {
    const int64_t in_channels = res < config.img_resolution ? config.channels.at(res) : 0;
    blocks.emplace_back(
        res, register_module(fmt::format("b{}", res),
                             DiscriminatorBlock(in_channels, config.channels.at(res),
                                                config.channels.at(res / 2), config.img_channels,
                                                config.conv_clamp)));
  }
  b4 =
      register_module("b4", DiscriminatorEpilogue(config.channels.at(4), 4, config.mbstd_group_size,
                                                  config.mbstd_num_channels, config.conv_clamp));
}

at::Tensor DiscriminatorImpl::forward(const at::Tensor& img, at::ScalarType dtype,
                                      at::MemoryFormat memory_format) {
  TORCH_CHECK(img.dim() == 4 && img.size(1) == config_.img_channels &&
                  img.size(2) == config_.img_resolution && img.size(3) == config_.img_resolution,
              "discriminator: img should be [N, ", config_.img_channels, ", ",
              config_.img_resolution, ", ", config_.img_resolution, "], got ", img.sizes());
  at::Tensor x;
  for (auto& [res, block] : blocks) {
    x = block->forward(x, block->fromrgb.is_empty() ? at::Tensor() : img, dtype, memory_format);
  }
  return b4->forward(x);  // [N, 1] float32
}

}  // namespace clipglass::models::stylegan2
