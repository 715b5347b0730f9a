#include "worker/models/clip_modules.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <limits>
#include <string>

#include "worker/models/clip_resnet.h"

// Ref: OpenAI CLIP clip/model.py (clip-glass copy, commit 0887b13); torch 1.13
// nn.functional.multi_head_attention_forward / _scaled_dot_product_attention.

namespace clipglass::models {
namespace {

constexpr double kLayerNormEps = 1e-5;
constexpr double kQuickGeluAlpha = 1.702;

at::Tensor Zeros(at::IntArrayRef shape) { return at::zeros(shape, at::kFloat); }

// Whether autograd records operations on `t` (training): then in-place updates of tensors that
// a recorded op saved for its backward would break the gradient, and the out-of-place form of the
// same op is used instead. Both forms run the same kernel, so the values are bit-identical.
bool Recording(const at::Tensor& t) { return at::GradMode::is_enabled() && t.requires_grad(); }

}  // namespace

at::Tensor CausalMask(int64_t length, const at::TensorOptions& options) {
  // mask: [L, L]; -inf strictly above the diagonal.
  return at::full({length, length}, -std::numeric_limits<float>::infinity(), options).triu_(1);
}

ClipLayerNormImpl::ClipLayerNormImpl(int64_t width) : width(width) {
  weight = register_parameter("weight", at::ones({width}, at::kFloat), false);
  bias = register_parameter("bias", Zeros({width}), false);
}

at::Tensor ClipLayerNormImpl::forward(const at::Tensor& x) {
  if (x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat) {
    return at::layer_norm(x, {width}, weight, bias, kLayerNormEps);
  }
  // Lower-precision models normalise in float32 and cast back, as CLIP's LayerNorm does.
  return at::layer_norm(x.to(at::kFloat), {width}, weight.to(at::kFloat), bias.to(at::kFloat),
                        kLayerNormEps)
      .to(x.scalar_type());
}

ClipLinearImpl::ClipLinearImpl(int64_t in_features, int64_t out_features) {
  weight = register_parameter("weight", Zeros({out_features, in_features}), false);
  bias = register_parameter("bias", Zeros({out_features}), false);
}

at::Tensor ClipLinearImpl::forward(const at::Tensor& x) {
  return Linear(*packed, x, weight, WeightLayout::kOutIn, bias);  // [..., in] -> [..., out]
}

ClipPatchEmbedImpl::ClipPatchEmbedImpl(int64_t width, int64_t patch_size) : patch_size(patch_size) {
  weight = register_parameter("weight", Zeros({width, 3, patch_size, patch_size}), false);
}

at::Tensor ClipPatchEmbedImpl::forward(const at::Tensor& images) {
  // A stride = kernel convolution without padding is one matrix product over the patches.
  const int64_t n = images.size(0);
  const int64_t gh = images.size(2) / patch_size;
  const int64_t gw = images.size(3) / patch_size;
  const int64_t width = weight.size(0);
  const int64_t p = patch_size;
  // patches: [N, 3, Gh, P, Gw, P] -> [N, Gh, Gw, 3, P, P] -> [N * Gh * Gw, 3 * P * P]
  const at::Tensor patches =
      images.reshape({n, 3, gh, p, gw, p}).permute({0, 2, 4, 1, 3, 5}).reshape({n * gh * gw, -1});
  // out: [N * Gh * Gw, W] -> [N, Gh * Gw, W] (token = row * Gw + column, as conv1's flatten)
  return Linear(*packed, patches, weight.reshape({width, -1}), WeightLayout::kOutIn, at::Tensor())
      .view({n, gh * gw, width});
}

ClipEmbeddingImpl::ClipEmbeddingImpl(int64_t vocab_size, int64_t width) {
  weight = register_parameter("weight", Zeros({vocab_size, width}), false);
}

at::Tensor ClipEmbeddingImpl::forward(const at::Tensor& ids) {
  return at::embedding(weight, ids);  // [...] -> [..., W]
}

ClipAttentionImpl::ClipAttentionImpl(int64_t width, int64_t heads) : width(width), heads(heads) {
  in_proj_weight = register_parameter("in_proj_weight", Zeros({3 * width, width}), false);
  in_proj_bias = register_parameter("in_proj_bias", Zeros({3 * width}), false);
  out_proj = register_module("out_proj", ClipLinear(width, width));
}

at::Tensor ClipAttentionImpl::forward(const at::Tensor& x, const at::Tensor& mask) {
  const int64_t n = x.size(0);
  const int64_t len = x.size(1);
  const int64_t head_dim = width / heads;
  // qkv: [N, L, 3W] -> [3, N, H, L, Dh]
  const at::Tensor qkv =
      Linear(*in_proj_packed, x, in_proj_weight, WeightLayout::kOutIn, in_proj_bias)
          .view({n, len, 3, heads, head_dim})
          .permute({2, 0, 3, 1, 4});
  // q, k, v: [N * H, L, Dh]; q scaled by Dh^-1/2 before the product, as torch's MHA does.
  const at::Tensor q =
      qkv[0].reshape({n * heads, len, head_dim}).div_(std::sqrt(static_cast<double>(head_dim)));
  const at::Tensor k = qkv[1].reshape({n * heads, len, head_dim});
  const at::Tensor v = qkv[2].reshape({n * heads, len, head_dim});
  // scores: [N * H, L, L]
  at::Tensor scores =
      mask.defined() ? at::baddbmm(mask, q, k.transpose(1, 2)) : at::bmm(q, k.transpose(1, 2));
  scores = at::softmax(scores, -1);
  // out: [N * H, L, Dh] -> [N, H, L, Dh] -> [N, L, H, Dh] -> [N, L, W]
  const at::Tensor out = at::bmm(scores, v)
                             .view({n, heads, len, head_dim})
                             .permute({0, 2, 1, 3})
                             .reshape({n, len, width});
  return out_proj(out);  // [N, L, W]
}

ClipMlpImpl::ClipMlpImpl(int64_t width) {
  c_fc = register_module("c_fc", ClipLinear(width, 4 * width));
  c_proj = register_module("c_proj", ClipLinear(4 * width, width));
}

at::Tensor ClipMlpImpl::forward(const at::Tensor& x) {
  at::Tensor h = c_fc(x);  // h: [N, L, 4W]
  // QuickGELU: h * sigmoid(1.702 h).
  if (Recording(h)) {
    h = h * at::sigmoid(h * kQuickGeluAlpha);
  } else {
    h.mul_(at::sigmoid(h * kQuickGeluAlpha));
  }
  return c_proj(h);  // [N, L, W]
}

ClipResidualBlockImpl::ClipResidualBlockImpl(int64_t width, int64_t heads) {
  attn = register_module("attn", ClipAttention(width, heads));
  ln_1 = register_module("ln_1", ClipLayerNorm(width));
  mlp = register_module("mlp", ClipMlp(width));
  ln_2 = register_module("ln_2", ClipLayerNorm(width));
}

at::Tensor ClipResidualBlockImpl::forward(const at::Tensor& x, const at::Tensor& mask) {
  at::Tensor y = x + attn(ln_1(x), mask);     // y: [N, L, W]
  if (Recording(y)) return y + mlp(ln_2(y));  // ln_2 saved y for its backward
  y.add_(mlp(ln_2(y)));
  return y;
}

ClipTransformerImpl::ClipTransformerImpl(int64_t width, int64_t layers, int64_t heads) {
  resblocks = register_module("resblocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < layers; ++i) resblocks->push_back(ClipResidualBlock(width, heads));
}

at::Tensor ClipTransformerImpl::forward(const at::Tensor& x, const at::Tensor& mask) {
  at::Tensor y = x;  // y: [N, L, W]
  for (const auto& block : *resblocks) y = block->as<ClipResidualBlockImpl>()->forward(y, mask);
  return y;
}

ClipVisionImpl::ClipVisionImpl(const ClipConfig& config) : config(config) {
  const int64_t width = config.vision_width;
  conv1 = register_module("conv1", ClipPatchEmbed(width, config.vision_patch_size));
  class_embedding = register_parameter("class_embedding", Zeros({width}), false);
  positional_embedding =
      register_parameter("positional_embedding", Zeros({config.num_visual_tokens(), width}), false);
  ln_pre = register_module("ln_pre", ClipLayerNorm(width));
  transformer = register_module("transformer",
                                ClipTransformer(width, config.vision_layers, config.vision_heads));
  ln_post = register_module("ln_post", ClipLayerNorm(width));
  proj = register_parameter("proj", Zeros({width, config.embed_dim}), false);
}

at::Tensor ClipVisionImpl::forward(const at::Tensor& images) {
  const int64_t n = images.size(0);
  const int64_t width = config.vision_width;
  const at::Tensor patches = conv1(images);  // patches: [N, G*G, W]
  const at::Tensor cls = class_embedding.view({1, 1, width}).expand({n, 1, width});  // [N, 1, W]
  at::Tensor x = at::cat({cls, patches}, 1).add_(positional_embedding);              // x: [N, T, W]
  x = transformer(ln_pre(x), at::Tensor());                                          // x: [N, T, W]
  const at::Tensor pooled = ln_post(x.select(1, 0));                              // pooled: [N, W]
  return Linear(*proj_packed, pooled, proj, WeightLayout::kInOut, at::Tensor());  // [N, E]
}

ClipImpl::ClipImpl(const ClipConfig& config) : config(config) {
  const int64_t width = config.transformer_width;
  if (config.is_resnet()) {
    visual_resnet = register_module("visual", std::make_shared<ClipModifiedResNetImpl>(config));
  } else {
    visual = register_module("visual", ClipVision(config));
  }
  token_embedding = register_module("token_embedding", ClipEmbedding(config.vocab_size, width));
  positional_embedding =
      register_parameter("positional_embedding", Zeros({config.context_length, width}), false);
  transformer = register_module(
      "transformer", ClipTransformer(width, config.transformer_layers, config.transformer_heads));
  ln_final = register_module("ln_final", ClipLayerNorm(width));
  text_projection = register_parameter("text_projection", Zeros({width, config.embed_dim}), false);
  logit_scale = register_parameter("logit_scale", Zeros({}), false);
}

at::Tensor ClipImpl::EncodeImage(const at::Tensor& images) {
  return visual_resnet ? visual_resnet->forward(images) : visual(images);
}

at::Tensor ClipImpl::EncodeText(const at::Tensor& tokens) {
  const int64_t m = tokens.size(0);
  const int64_t len = tokens.size(1);
  // Only the first L positions are used (L = C for every caller but training, which cuts the
  // batch to its longest caption: the causal mask makes the pooled features the same).
  at::Tensor x = token_embedding(tokens).add_(positional_embedding.narrow(0, 0, len));  // [M,L,Wt]
  x = transformer(x, CausalMask(len, x.options()));  // x: [M, L, Wt]
  // Pool at the first end-of-text token (the largest id): rows m * L + argmax(tokens[m]).
  const at::Tensor eot = tokens.argmax(-1);  // eot: [M]
  const at::Tensor rows = at::arange(m, eot.options()).mul_(len).add_(eot);
  // LayerNorm is per token, so normalising only the pooled tokens gives the same features.
  const at::Tensor pooled = ln_final(x.reshape({m * len, -1}).index_select(0, rows));  // [M, Wt]
  return Linear(*text_projection_packed, pooled, text_projection, WeightLayout::kInOut,
                at::Tensor());  // [M, E]
}

}  // namespace clipglass::models
