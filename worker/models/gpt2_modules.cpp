// GPT-2's forward math. Ref: graykode/gpt-2-Pytorch gpt2/model.py (clip-glass copy); the HF
// naming of the released checkpoints.
#include "worker/models/gpt2_modules.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "worker/models/gpt2_attention_cpu.h"

namespace clipglass::models::gpt2 {

KvCache KvCache::Allocate(const Gpt2Config& config, int64_t batch, int64_t capacity,
                          const at::TensorOptions& options) {
  KvCache cache;
  cache.keys.reserve(config.n_layer);
  cache.values.reserve(config.n_layer);
  for (int64_t i = 0; i < config.n_layer; ++i) {
    // [B, H, capacity, D]; only [0, length) is ever read, so no initialisation is needed.
    cache.keys.push_back(at::empty({batch, config.n_head, capacity, config.head_dim()}, options));
    cache.values.push_back(at::empty({batch, config.n_head, capacity, config.head_dim()}, options));
  }
  return cache;
}

std::vector<at::Tensor> KvCache::Presents() const {
  std::vector<at::Tensor> presents;
  presents.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    presents.push_back(
        at::stack({keys[i].narrow(2, 0, length), values[i].narrow(2, 0, length)}));  // [2,B,H,T,D]
  }
  return presents;
}

Conv1DImpl::Conv1DImpl(int64_t in_features, int64_t out_features) {
  weight = register_parameter("weight", at::empty({in_features, out_features}));
  bias = register_parameter("bias", at::zeros({out_features}));
}

at::Tensor Conv1DImpl::forward(const at::Tensor& x, Epilogue epilogue) {
  // [..., in] @ [in, out] + [out]
  return Linear(*packed, x, weight, WeightLayout::kInOut, bias, epilogue);
}

AttentionImpl::AttentionImpl(const Gpt2Config& config) : n_head(config.n_head) {
  c_attn = register_module("c_attn", Conv1D(config.n_embd, 3 * config.n_embd));
  c_proj = register_module("c_proj", Conv1D(config.n_embd, config.n_embd));
}

at::Tensor AttentionImpl::forward(const at::Tensor& x, at::Tensor& key_cache,
                                  at::Tensor& value_cache, int64_t past) {
  const int64_t batch = x.size(0);
  const int64_t steps = x.size(1);
  const int64_t width = x.size(2);
  const int64_t head_dim = width / n_head;
  const int64_t total = past + steps;

  const std::vector<at::Tensor> qkv = c_attn(x).split(width, -1);  // 3 x [B, T, C]
  // Split heads: [B, T, C] -> [B, T, H, D] -> [B, H, T, D].
  const at::Tensor query = qkv[0].view({batch, steps, n_head, head_dim}).permute({0, 2, 1, 3});
  key_cache.narrow(2, past, steps)
      .copy_(qkv[1].view({batch, steps, n_head, head_dim}).permute({0, 2, 1, 3}));
  value_cache.narrow(2, past, steps)
      .copy_(qkv[2].view({batch, steps, n_head, head_dim}).permute({0, 2, 1, 3}));
  const at::Tensor keys = key_cache.narrow(2, 0, total);      // [B, H, S, D]
  const at::Tensor values = value_cache.narrow(2, 0, total);  // [B, H, S, D]
  const double scale = std::sqrt(static_cast<double>(head_dim));

  // Inference on CPU: the loop kernel (no autograd through it; training takes the path below).
  const bool records_grad =
      query.requires_grad() || key_cache.requires_grad() || value_cache.requires_grad();
  if (!records_grad && x.is_cpu() && x.scalar_type() == at::kFloat && key_cache.is_contiguous() &&
      value_cache.is_contiguous()) {
    const at::Tensor attended =
        CausalAttentionCpu(query.contiguous(), key_cache, value_cache, past, scale);  // [B,H,T,D]
    return c_proj(attended.permute({0, 2, 1, 3}).reshape({batch, steps, width}));     // merge heads
  }

  // Scores as the original: (q @ k^T) / sqrt(D).
  // Query t sits at position past + t and sees keys 0 .. past + t. The original computes
  // w * b - 1e10 * (1 - b): masked scores become -1e10 (not -inf), the others stay bit-equal.
  const at::Tensor hidden_keys =
      at::ones({steps, total}, x.options().dtype(at::kBool)).tril(past).logical_not();  // [T, S]
  const at::Tensor scores = (at::matmul(query, keys.transpose(-1, -2)) / scale)
                                .masked_fill(hidden_keys, -1e10);  // [B, H, T, S]
  const at::Tensor weights = at::softmax(scores, -1);              // [B, H, T, S]
  const at::Tensor attended = at::matmul(weights, values)
                                  .permute({0, 2, 1, 3})
                                  .reshape({batch, steps, width});  // merge heads: [B, T, C]
  return c_proj(attended);                                          // [B, T, C]
}

MlpImpl::MlpImpl(const Gpt2Config& config) {
  c_fc = register_module("c_fc", Conv1D(config.n_embd, config.n_inner));
  c_proj = register_module("c_proj", Conv1D(config.n_inner, config.n_embd));
}

at::Tensor MlpImpl::forward(const at::Tensor& x) {
  // GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), applied by c_fc's
  // product as it stores (on the packed path) or by at::gelu.
  return c_proj(c_fc(x, Epilogue::kGeluTanh));  // [..., n_inner] -> [..., C]
}

namespace {
torch::nn::LayerNorm MakeLayerNorm(const Gpt2Config& config) {
  return torch::nn::LayerNorm(
      torch::nn::LayerNormOptions({config.n_embd}).eps(config.layer_norm_epsilon));
}
}  // namespace

BlockImpl::BlockImpl(const Gpt2Config& config) {
  ln_1 = register_module("ln_1", MakeLayerNorm(config));
  attn = register_module("attn", Attention(config));
  ln_2 = register_module("ln_2", MakeLayerNorm(config));
  mlp = register_module("mlp", Mlp(config));
}

at::Tensor BlockImpl::forward(const at::Tensor& x, at::Tensor& key_cache, at::Tensor& value_cache,
                              int64_t past) {
  const at::Tensor h = x + attn(ln_1(x), key_cache, value_cache, past);  // [B, T, C]
  return h + mlp(ln_2(h));                                               // [B, T, C]
}

TransformerImpl::TransformerImpl(const Gpt2Config& config_in) : config(config_in) {
  wte = register_module("wte", torch::nn::Embedding(config.vocab_size, config.n_embd));
  wpe = register_module("wpe", torch::nn::Embedding(config.n_positions, config.n_embd));
  h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.n_layer; ++i) h->push_back(Block(config));
  ln_f = register_module("ln_f", MakeLayerNorm(config));
}

at::Tensor TransformerImpl::Body(const at::Tensor& input_ids, KvCache& cache) {
  const int64_t steps = input_ids.size(1);
  const at::Tensor positions =
      at::arange(cache.length, cache.length + steps, input_ids.options());  // [T]
  at::Tensor x = wte(input_ids) + wpe(positions);                           // [B, T, C] + [T, C]
  for (int64_t i = 0; i < config.n_layer; ++i) {
    x = h->ptr<BlockImpl>(i)->forward(x, cache.keys[i], cache.values[i], cache.length);
  }
  cache.length += steps;
  return x;  // [B, T, C], before ln_f
}

at::Tensor TransformerImpl::forward(const at::Tensor& input_ids, KvCache& cache) {
  return ln_f(Body(input_ids, cache));  // [B, T, C]
}

at::Tensor TransformerImpl::Logits(const at::Tensor& hidden) {
  // [..., C] @ wte^T [C, V] -> [..., V]
  return Linear(*packed_head, hidden, wte->weight, WeightLayout::kOutIn, at::Tensor());
}

}  // namespace clipglass::models::gpt2
