// CLIP's layers as LibTorch C++ frontend modules: the pure forward math, nothing else (no device,
// dtype, batching or grad-mode handling; see clip.h for the runner). Every parameter is registered
// under the name it has in OpenAI's state dict, so loading a checkpoint is a name lookup
// (weights::LoadIntoModule). Parameters start as zeros: a module is only meaningful once loaded.
//
// Layout: activations are batch-first, [N, tokens, width] (OpenAI's code runs [tokens, N, width];
// the math per element is the same).
//
// Ref: OpenAI CLIP, clip/model.py (LayerNorm, QuickGELU, ResidualAttentionBlock, Transformer,
// VisionTransformer, CLIP.encode_image / encode_text), early-2021 copy vendored in clip-glass
// 0887b13; torch.nn.MultiheadAttention (torch 1.13) for the attention math.
//
// Internal header: it pulls in the LibTorch frontend; include it only from .cpp files and tests.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <memory>

#include "worker/models/clip_config.h"
#include "worker/models/packed_linear.h"

namespace clipglass::models {

// LayerNorm over the last dimension, eps 1e-5, always computed in float32 (CLIP's LayerNorm
// subclass casts to fp32 and back so that fp16 models normalise in fp32).
// Keys: weight [W], bias [W].
struct ClipLayerNormImpl : torch::nn::Module {
  explicit ClipLayerNormImpl(int64_t width);
  at::Tensor forward(const at::Tensor& x);

  int64_t width;
  at::Tensor weight;
  at::Tensor bias;
};
TORCH_MODULE(ClipLayerNorm);

// y = x @ weight.T + bias, like nn.Linear, without nn.Linear's random initialisation.
// Keys: weight [out, in], bias [out].
struct ClipLinearImpl : torch::nn::Module {
  ClipLinearImpl(int64_t in_features, int64_t out_features);
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;
  at::Tensor bias;
  // Inference products pre-packed by oneDNN: a row's bits do not depend on its batch (training,
  // with autograd recording, takes LibTorch's differentiable ops).
  std::shared_ptr<PackedLinear> packed = std::make_shared<PackedLinear>();
};
TORCH_MODULE(ClipLinear);

// OpenAI's conv1: a Conv2d(3, W, kernel = stride = P, no bias), i.e. a linear map of each
// non-overlapping P x P patch. Key: weight [W, 3, P, P].
struct ClipPatchEmbedImpl : torch::nn::Module {
  ClipPatchEmbedImpl(int64_t width, int64_t patch_size);
  // images: [N, 3, G*P, G*P] -> patch features [N, G*G, W] in row-major patch order.
  at::Tensor forward(const at::Tensor& images);

  int64_t patch_size;
  at::Tensor weight;
  std::shared_ptr<PackedLinear> packed = std::make_shared<PackedLinear>();  // as ClipLinear's
};
TORCH_MODULE(ClipPatchEmbed);

// nn.Embedding(V, W). Key: weight [V, W].
struct ClipEmbeddingImpl : torch::nn::Module {
  ClipEmbeddingImpl(int64_t vocab_size, int64_t width);
  at::Tensor forward(const at::Tensor& ids);

  at::Tensor weight;
};
TORCH_MODULE(ClipEmbedding);

// nn.MultiheadAttention(width, heads) in self-attention use, batch-first.
// Keys: in_proj_weight [3W, W] (q, k, v stacked), in_proj_bias [3W], out_proj.{weight,bias}.
struct ClipAttentionImpl : torch::nn::Module {
  ClipAttentionImpl(int64_t width, int64_t heads);
  // x: [N, L, W]; mask: undefined, or an additive [L, L] mask (0 / -inf). Returns [N, L, W].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);

  int64_t width;
  int64_t heads;
  at::Tensor in_proj_weight;
  at::Tensor in_proj_bias;
  std::shared_ptr<PackedLinear> in_proj_packed = std::make_shared<PackedLinear>();
  ClipLinear out_proj{nullptr};
};
TORCH_MODULE(ClipAttention);

// c_fc -> QuickGELU -> c_proj (OpenAI's nn.Sequential "mlp"). Keys: c_fc.*, c_proj.*.
struct ClipMlpImpl : torch::nn::Module {
  explicit ClipMlpImpl(int64_t width);
  at::Tensor forward(const at::Tensor& x);

  ClipLinear c_fc{nullptr};
  ClipLinear c_proj{nullptr};
};
TORCH_MODULE(ClipMlp);

// x + attn(ln_1(x)), then + mlp(ln_2(x)). Keys: attn.*, ln_1.*, mlp.*, ln_2.*.
struct ClipResidualBlockImpl : torch::nn::Module {
  ClipResidualBlockImpl(int64_t width, int64_t heads);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);

  ClipAttention attn{nullptr};
  ClipLayerNorm ln_1{nullptr};
  ClipMlp mlp{nullptr};
  ClipLayerNorm ln_2{nullptr};
};
TORCH_MODULE(ClipResidualBlock);

// A stack of residual blocks. Keys: resblocks.{i}.*.
struct ClipTransformerImpl : torch::nn::Module {
  ClipTransformerImpl(int64_t width, int64_t layers, int64_t heads);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);

  torch::nn::ModuleList resblocks{nullptr};
};
TORCH_MODULE(ClipTransformer);

// The ViT image encoder (OpenAI's VisionTransformer). Keys (under "visual."): conv1.weight
// [W, 3, P, P] (no bias), class_embedding [W], positional_embedding [G*G+1, W], ln_pre.*,
// transformer.resblocks.{i}.*, ln_post.*, proj [W, E].
struct ClipVisionImpl : torch::nn::Module {
  explicit ClipVisionImpl(const ClipConfig& config);
  // images: [N, 3, R, R] (preprocessed). Returns the image features [N, E].
  at::Tensor forward(const at::Tensor& images);

  ClipConfig config;
  ClipPatchEmbed conv1{nullptr};
  at::Tensor class_embedding;
  at::Tensor positional_embedding;
  ClipLayerNorm ln_pre{nullptr};
  ClipTransformer transformer{nullptr};
  ClipLayerNorm ln_post{nullptr};
  at::Tensor proj;
  std::shared_ptr<PackedLinear> proj_packed = std::make_shared<PackedLinear>();
};
TORCH_MODULE(ClipVision);

struct ClipModifiedResNetImpl;

// The whole CLIP model: "visual" (a ViT or a modified ResNet, clip_resnet.h, by
// config.vision_kind) plus the text encoder's top-level keys positional_embedding
// [C, Wt], text_projection [Wt, E], logit_scale [], token_embedding.weight [V, Wt],
// transformer.resblocks.{i}.*, ln_final.*.
struct ClipImpl : torch::nn::Module {
  explicit ClipImpl(const ClipConfig& config);

  // images: [N, 3, R, R] -> [N, E].
  at::Tensor EncodeImage(const at::Tensor& images);
  // tokens: [M, L] int64 with L <= C (the checkpoint's context; L < C only in training, where a
  // batch is cut to its longest caption), each row holding its end-of-text id (the largest id)
  // -> [M, E]. Differentiable: with gradients on, no tensor autograd saved is updated in place.
  at::Tensor EncodeText(const at::Tensor& tokens);

  ClipConfig config;
  // Exactly one of the two is set (registered as "visual").
  ClipVision visual{nullptr};
  std::shared_ptr<ClipModifiedResNetImpl> visual_resnet;
  ClipEmbedding token_embedding{nullptr};
  at::Tensor positional_embedding;
  ClipTransformer transformer{nullptr};
  ClipLayerNorm ln_final{nullptr};
  at::Tensor text_projection;
  std::shared_ptr<PackedLinear> text_projection_packed = std::make_shared<PackedLinear>();
  at::Tensor logit_scale;
};
TORCH_MODULE(Clip);

// The additive causal mask of the text transformer: [L, L], 0 on and below the diagonal, -inf
// above (CLIP.build_attention_mask; built, never stored in checkpoints).
at::Tensor CausalMask(int64_t length, const at::TensorOptions& options);

}  // namespace clipglass::models
