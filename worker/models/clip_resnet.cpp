#include "worker/models/clip_resnet.h"

#include <ATen/ATen.h>

#include <cmath>
#include <string>

// Ref: OpenAI CLIP clip/model.py (clip-glass copy, commit 0887b13): Bottleneck, AttentionPool2d,
// ModifiedResNet; torch 1.13 BatchNorm2d and multi_head_attention_forward.

namespace clipglass::models {
namespace {

constexpr double kBatchNormEps = 1e-5;
constexpr double kBatchNormMomentum = 0.1;

at::Tensor Zeros(at::IntArrayRef shape) { return at::zeros(shape, at::kFloat); }

// AvgPool2d(k): kernel = stride = k, no padding; k = 1 is the identity (OpenAI's nn.Identity).
at::Tensor AvgPool(const at::Tensor& x, int64_t k) { return k > 1 ? at::avg_pool2d(x, {k, k}) : x; }

}  // namespace

ClipBatchNormImpl::ClipBatchNormImpl(int64_t channels) {
  weight = register_parameter("weight", at::ones({channels}, at::kFloat), false);
  bias = register_parameter("bias", Zeros({channels}), false);
  running_mean = register_buffer("running_mean", Zeros({channels}));
  running_var = register_buffer("running_var", at::ones({channels}, at::kFloat));
}

at::Tensor ClipBatchNormImpl::forward(const at::Tensor& x) {
  return at::batch_norm(x, weight, bias, running_mean, running_var, is_training(),
                        kBatchNormMomentum, kBatchNormEps, /*cudnn_enabled=*/true);
}

ClipConvImpl::ClipConvImpl(int64_t in_channels, int64_t out_channels, int64_t kernel,
                           int64_t stride, int64_t padding)
    : stride(stride), padding(padding) {
  weight = register_parameter("weight", Zeros({out_channels, in_channels, kernel, kernel}), false);
}

at::Tensor ClipConvImpl::forward(const at::Tensor& x) {
  return at::conv2d(x, weight, /*bias=*/{}, {stride, stride}, {padding, padding});
}

ClipDownsampleImpl::ClipDownsampleImpl(int64_t in_channels, int64_t out_channels, int64_t stride)
    : stride(stride) {
  conv = register_module("0", ClipConv(in_channels, out_channels, 1, 1, 0));
  norm = register_module("1", ClipBatchNorm(out_channels));
}

at::Tensor ClipDownsampleImpl::forward(const at::Tensor& x) {
  return norm(conv(AvgPool(x, stride)));
}

ClipBottleneckImpl::ClipBottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride)
    : stride(stride) {
  constexpr int64_t kExpansion = 4;
  conv1 = register_module("conv1", ClipConv(inplanes, planes, 1, 1, 0));
  bn1 = register_module("bn1", ClipBatchNorm(planes));
  conv2 = register_module("conv2", ClipConv(planes, planes, 3, 1, 1));
  bn2 = register_module("bn2", ClipBatchNorm(planes));
  conv3 = register_module("conv3", ClipConv(planes, planes * kExpansion, 1, 1, 0));
  bn3 = register_module("bn3", ClipBatchNorm(planes * kExpansion));
  if (stride > 1 || inplanes != planes * kExpansion) {
    downsample =
        register_module("downsample", ClipDownsample(inplanes, planes * kExpansion, stride));
  }
}

at::Tensor ClipBottleneckImpl::forward(const at::Tensor& x) {
  at::Tensor out = at::relu(bn1(conv1(x)));  // [N, P, H, W]
  out = at::relu(bn2(conv2(out)));           // [N, P, H, W]
  out = bn3(conv3(AvgPool(out, stride)));    // [N, 4P, H/s, W/s]
  const at::Tensor identity = downsample ? downsample(x) : x;
  return at::relu(out + identity);
}

ClipAttentionPoolImpl::ClipAttentionPoolImpl(int64_t spacial_dim, int64_t embed_width,
                                             int64_t heads, int64_t output_dim)
    : heads(heads) {
  positional_embedding = register_parameter(
      "positional_embedding", Zeros({spacial_dim * spacial_dim + 1, embed_width}), false);
  q_proj = register_module("q_proj", ClipLinear(embed_width, embed_width));
  k_proj = register_module("k_proj", ClipLinear(embed_width, embed_width));
  v_proj = register_module("v_proj", ClipLinear(embed_width, embed_width));
  c_proj = register_module("c_proj", ClipLinear(embed_width, output_dim));
}

at::Tensor ClipAttentionPoolImpl::forward(const at::Tensor& x) {
  const int64_t n = x.size(0);
  const int64_t width = x.size(1);
  const int64_t head_dim = width / heads;
  const at::Tensor positions = x.flatten(2).transpose(1, 2);  // [N, S*S, C]
  // tokens: [N, T = S*S + 1, C], the mean first.
  const at::Tensor tokens =
      at::cat({positions.mean(1, /*keepdim=*/true), positions}, 1) + positional_embedding;
  const int64_t len = tokens.size(1);
  // As multi_head_attention_forward: q from the mean token only, scaled by 1/sqrt(head_dim)
  // after its bias.
  const at::Tensor q = (q_proj(tokens.narrow(1, 0, 1)) / std::sqrt(static_cast<double>(head_dim)))
                           .view({n, 1, heads, head_dim})
                           .transpose(1, 2);  // [N, H, 1, Dh]
  const at::Tensor k =
      k_proj(tokens).view({n, len, heads, head_dim}).transpose(1, 2);  // [N,H,T,Dh]
  const at::Tensor v =
      v_proj(tokens).view({n, len, heads, head_dim}).transpose(1, 2);            // [N,H,T,Dh]
  const at::Tensor weights = at::softmax(at::matmul(q, k.transpose(2, 3)), -1);  // [N, H, 1, T]
  const at::Tensor pooled = at::matmul(weights, v).reshape({n, width});          // [N, H*Dh]
  return c_proj(pooled);                                                         // [N, E]
}

ClipModifiedResNetImpl::ClipModifiedResNetImpl(const ClipConfig& config) : config(config) {
  const int64_t w = config.vision_width;
  conv1 = register_module("conv1", ClipConv(3, w / 2, 3, 2, 1));
  bn1 = register_module("bn1", ClipBatchNorm(w / 2));
  conv2 = register_module("conv2", ClipConv(w / 2, w / 2, 3, 1, 1));
  bn2 = register_module("bn2", ClipBatchNorm(w / 2));
  conv3 = register_module("conv3", ClipConv(w / 2, w, 3, 1, 1));
  bn3 = register_module("bn3", ClipBatchNorm(w));
  int64_t inplanes = w;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t planes = w << stage;
    layers[stage] = register_module("layer" + std::to_string(stage + 1), torch::nn::ModuleList());
    for (int64_t i = 0; i < config.vision_resnet_layers[stage]; ++i) {
      const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      layers[stage]->push_back(ClipBottleneck(inplanes, planes, stride));
      inplanes = planes * 4;
    }
  }
  attnpool =
      register_module("attnpool", ClipAttentionPool(config.grid_size(), config.resnet_embed_width(),
                                                    config.vision_heads, config.embed_dim));
}

at::Tensor ClipModifiedResNetImpl::forward(const at::Tensor& images) {
  at::Tensor x = at::relu(bn1(conv1(images)));  // [N, W/2, R/2, R/2]
  x = at::relu(bn2(conv2(x)));                  // [N, W/2, R/2, R/2]
  x = at::relu(bn3(conv3(x)));                  // [N, W, R/2, R/2]
  x = AvgPool(x, 2);                            // [N, W, R/4, R/4]
  for (const torch::nn::ModuleList& stage : layers) {
    for (const auto& block : *stage) x = block->as<ClipBottleneckImpl>()->forward(x);
  }
  return attnpool(x);  // x: [N, 32W, R/32, R/32] -> [N, E]
}

}  // namespace clipglass::models
