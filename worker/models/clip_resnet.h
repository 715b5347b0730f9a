// CLIP's modified-ResNet image encoder (RN50, RN101, RN50x4, ...) as LibTorch C++ frontend
// modules: the pure forward math, every parameter and buffer under its name in OpenAI's state
// dict (see clip_modules.h for the conventions shared with the ViT). Parameters start as zeros,
// running variances as ones: a module is only meaningful once loaded (or initialised by training).
//
// What makes it "modified" (OpenAI's docstring): a stem of three 3x3 convolutions with an average
// pool instead of one 7x7 convolution and a max pool; anti-aliased strided blocks (an average pool
// before the strided path's last convolution, and before the downsample convolution); and an
// attention pool (one query: the mean of the last feature map) in place of the global average pool.
//
// Batch norms use the running statistics in eval mode (inference) and the batch's statistics,
// updating the running ones (momentum 0.1), in train mode, as torch.nn.BatchNorm2d.
//
// Ref: OpenAI CLIP, clip/model.py (Bottleneck, AttentionPool2d, ModifiedResNet), early-2021 copy
// vendored in clip-glass 0887b13; torch.nn.BatchNorm2d, AvgPool2d and
// nn.functional.multi_head_attention_forward (torch 1.13) for the layer math.
//
// Internal header: it pulls in the LibTorch frontend; include it only from .cpp files and tests.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "worker/models/clip_config.h"
#include "worker/models/clip_modules.h"

namespace clipglass::models {

// nn.BatchNorm2d(C), eps 1e-5, momentum 0.1. Keys: weight, bias [C] (parameters);
// running_mean, running_var [C] (buffers; num_batches_tracked is not kept, see clip_config.h).
struct ClipBatchNormImpl : torch::nn::Module {
  explicit ClipBatchNormImpl(int64_t channels);
  // x: [N, C, H, W].
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;
  at::Tensor bias;
  at::Tensor running_mean;
  at::Tensor running_var;
};
TORCH_MODULE(ClipBatchNorm);

// nn.Conv2d(in, out, kernel, stride, padding, bias=False). Key: weight [out, in, k, k].
struct ClipConvImpl : torch::nn::Module {
  ClipConvImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
               int64_t padding);
  at::Tensor forward(const at::Tensor& x);

  int64_t stride;
  int64_t padding;
  at::Tensor weight;
};
TORCH_MODULE(ClipConv);

// The downsample branch of a stage's first block: AvgPool2d(stride) (key "-1", no tensors), a 1x1
// convolution (key "0") and a batch norm (key "1").
struct ClipDownsampleImpl : torch::nn::Module {
  ClipDownsampleImpl(int64_t in_channels, int64_t out_channels, int64_t stride);
  at::Tensor forward(const at::Tensor& x);

  int64_t stride;
  ClipConv conv{nullptr};
  ClipBatchNorm norm{nullptr};
};
TORCH_MODULE(ClipDownsample);

// Bottleneck(inplanes, planes, stride), expansion 4: 1x1 conv -> 3x3 conv -> AvgPool2d(stride) ->
// 1x1 conv to 4 * planes, each followed by its batch norm, ReLU after all but the last; then the
// identity (or the downsample branch) is added and a ReLU applied. Keys: conv{1,2,3}.weight,
// bn{1,2,3}.*, downsample.0.weight and downsample.1.* when stride > 1 or inplanes != 4 * planes.
struct ClipBottleneckImpl : torch::nn::Module {
  ClipBottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride);
  at::Tensor forward(const at::Tensor& x);

  int64_t stride;
  ClipConv conv1{nullptr};
  ClipBatchNorm bn1{nullptr};
  ClipConv conv2{nullptr};
  ClipBatchNorm bn2{nullptr};
  ClipConv conv3{nullptr};
  ClipBatchNorm bn3{nullptr};
  ClipDownsample downsample{nullptr};  // null when the identity is added
};
TORCH_MODULE(ClipBottleneck);

// AttentionPool2d(spacial_dim, embed_dim, heads, output_dim): the feature map's positions plus
// their mean as tokens (mean first), a learned positional embedding, and one multi-head attention
// whose only query is the mean token; the output projection is c_proj. Keys: positional_embedding
// [S*S+1, C], q_proj.*, k_proj.*, v_proj.* [C, C] + [C], c_proj.* [E, C] + [E].
struct ClipAttentionPoolImpl : torch::nn::Module {
  ClipAttentionPoolImpl(int64_t spacial_dim, int64_t embed_width, int64_t heads,
                        int64_t output_dim);
  // x: [N, C, S, S] -> [N, E].
  at::Tensor forward(const at::Tensor& x);

  int64_t heads;
  at::Tensor positional_embedding;
  ClipLinear q_proj{nullptr};
  ClipLinear k_proj{nullptr};
  ClipLinear v_proj{nullptr};
  ClipLinear c_proj{nullptr};
};
TORCH_MODULE(ClipAttentionPool);

// ModifiedResNet(layers, output_dim = embed_dim, heads, input_resolution, width). Keys (under
// "visual."): conv{1,2,3}.weight, bn{1,2,3}.* (the stem), layer{1..4}.{i}.*, attnpool.*.
struct ClipModifiedResNetImpl : torch::nn::Module {
  explicit ClipModifiedResNetImpl(const ClipConfig& config);
  // images: [N, 3, R, R] (preprocessed) -> image features [N, E].
  at::Tensor forward(const at::Tensor& images);

  ClipConfig config;
  ClipConv conv1{nullptr};
  ClipBatchNorm bn1{nullptr};
  ClipConv conv2{nullptr};
  ClipBatchNorm bn2{nullptr};
  ClipConv conv3{nullptr};
  ClipBatchNorm bn3{nullptr};
  torch::nn::ModuleList layers[4];  // "layer1".."layer4", ClipBottleneck each
  ClipAttentionPool attnpool{nullptr};
};
TORCH_MODULE(ClipModifiedResNet);

}  // namespace clipglass::models
