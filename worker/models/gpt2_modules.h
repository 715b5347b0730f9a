// GPT-2's modules (PyTorch C++ frontend), registered under the released checkpoint's own names
// (wte, wpe, h.{i}.ln_1, h.{i}.attn.c_attn, h.{i}.attn.c_proj, h.{i}.ln_2, h.{i}.mlp.c_fc,
// h.{i}.mlp.c_proj, ln_f), so loading a checkpoint is a name lookup (weights::LoadIntoModule).
// Only the pure forward math lives here: no device moves, no grad mode, no error handling; the
// Gpt2 runner in gpt2.h does those.
//
// Ref: graykode/gpt-2-Pytorch gpt2/model.py as vendored in galatolofederico/clip-glass.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "worker/models/gpt2.h"
#include "worker/models/packed_linear.h"

namespace clipglass::models::gpt2 {

// Keys and values of every layer for one batch, preallocated for `capacity` positions and filled
// in place as decoding advances (no re-concatenation per step).
struct KvCache {
  std::vector<at::Tensor> keys;    // per layer: [B, H, capacity, D]
  std::vector<at::Tensor> values;  // per layer: [B, H, capacity, D]
  int64_t length = 0;              // positions filled so far (the original's past_length)

  static KvCache Allocate(const Gpt2Config& config, int64_t batch, int64_t capacity,
                          const at::TensorOptions& options);
  int64_t capacity() const { return keys.empty() ? 0 : keys[0].size(2); }
  // The original's `presents`: per layer stack((keys, values)) -> [2, B, H, length, D].
  std::vector<at::Tensor> Presents() const;
};

// The original's Conv1D: a transposed Linear, y = x @ weight + bias with weight [in, out].
struct Conv1DImpl : torch::nn::Module {
  Conv1DImpl(int64_t in_features, int64_t out_features);
  // x: [..., in] -> epilogue(x @ weight + bias): [..., out]
  at::Tensor forward(const at::Tensor& x, Epilogue epilogue = Epilogue::kNone);

  at::Tensor weight;  // [in, out]
  at::Tensor bias;    // [out]
  // The weight packed once for inference on the CPU (training keeps LibTorch's ops).
  std::unique_ptr<PackedLinear> packed = std::make_unique<PackedLinear>();
};
TORCH_MODULE(Conv1D);

// Causal multi-head self-attention reading and extending one layer's cache.
struct AttentionImpl : torch::nn::Module {
  explicit AttentionImpl(const Gpt2Config& config);
  // x: [B, T, C]; key_cache/value_cache: [B, H, capacity, D] with `past` positions filled.
  // Writes this step's keys/values at [past, past + T) and returns [B, T, C].
  at::Tensor forward(const at::Tensor& x, at::Tensor& key_cache, at::Tensor& value_cache,
                     int64_t past);

  int64_t n_head;
  Conv1D c_attn{nullptr};  // [C, 3C]: q, k, v along the output axis
  Conv1D c_proj{nullptr};  // [C, C]
};
TORCH_MODULE(Attention);

struct MlpImpl : torch::nn::Module {
  explicit MlpImpl(const Gpt2Config& config);
  at::Tensor forward(const at::Tensor& x);  // [..., C] -> [..., C]

  Conv1D c_fc{nullptr};    // [C, n_inner]
  Conv1D c_proj{nullptr};  // [n_inner, C]
};
TORCH_MODULE(Mlp);

// Pre-LN residual block: x + attn(ln_1(x)), then + mlp(ln_2(x)).
struct BlockImpl : torch::nn::Module {
  explicit BlockImpl(const Gpt2Config& config);
  at::Tensor forward(const at::Tensor& x, at::Tensor& key_cache, at::Tensor& value_cache,
                     int64_t past);

  torch::nn::LayerNorm ln_1{nullptr};
  Attention attn{nullptr};
  torch::nn::LayerNorm ln_2{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

// GPT2Model: embeddings, blocks, ln_f. Parameter names equal the released state dict's keys.
struct TransformerImpl : torch::nn::Module {
  explicit TransformerImpl(const Gpt2Config& config);
  // input_ids: [B, T] at positions cache.length .. cache.length + T - 1. Extends the cache by T
  // and returns the hidden states after ln_f, [B, T, C].
  // REQUIRES: cache.length + T <= cache.capacity() <= n_positions.
  at::Tensor forward(const at::Tensor& input_ids, KvCache& cache);
  // forward() without the final ln_f (decoding normalises only the position it reads).
  at::Tensor Body(const at::Tensor& input_ids, KvCache& cache);
  // The tied LM head: [..., C] -> [..., V].
  at::Tensor Logits(const at::Tensor& hidden);

  Gpt2Config config;
  torch::nn::Embedding wte{nullptr};  // [V, C]
  torch::nn::Embedding wpe{nullptr};  // [n_positions, C]
  torch::nn::ModuleList h{nullptr};   // n_layer Blocks
  torch::nn::LayerNorm ln_f{nullptr};
  std::unique_ptr<PackedLinear> packed_head = std::make_unique<PackedLinear>();  // wte^T, packed
};
TORCH_MODULE(Transformer);

}  // namespace clipglass::models::gpt2
