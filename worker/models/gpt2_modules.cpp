// GPT-2's forward math. Ref: graykode/gpt-2-Pytorch gpt2/model.py (clip-glass copy); the HF
// naming of the released checkpoints.
#include "worker/models/gpt2_modules.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace clipglass::models::gpt2 {
namespace {

// softmax(q . k_s / scale) . v_s over the first `length` cached positions, for one query per
// (batch, head) row: query [B, H, D], caches [B, H, capacity, D] (contiguous float32 on CPU).
// One pass over the cache per row, no temporaries; rows are independent, so a row's bits do not
// depend on the other rows. (LibTorch 1.13's CPU bmm would run B*H separate [1, D] x [D, S] BLAS
// products, and a broadcast multiply-and-sum writes and rereads a [B, H, S, D] temporary: each
// costs more than the layer's projections at a population of 100.)
at::Tensor SingleQueryAttentionCpu(const at::Tensor& query, const at::Tensor& key_cache,
                                   const at::Tensor& value_cache, int64_t length, double scale) {
  const int64_t rows = query.size(0) * query.size(1);
  const int64_t dim = query.size(2);
  const int64_t capacity = key_cache.size(2);
  at::Tensor out = at::empty_like(query);  // [B, H, D]
  const float* q_data = query.data_ptr<float>();
  const float* k_data = key_cache.data_ptr<float>();
  const float* v_data = value_cache.data_ptr<float>();
  float* out_data = out.data_ptr<float>();
  const float inv_scale = static_cast<float>(1.0 / scale);
  at::parallel_for(0, rows, 8, [&](int64_t begin, int64_t end) {
    std::vector<float> weights(length);
    for (int64_t r = begin; r < end; ++r) {
      const float* q = q_data + r * dim;
      const float* k = k_data + r * capacity * dim;
      const float* v = v_data + r * capacity * dim;
      float* o = out_data + r * dim;
      float top = -std::numeric_limits<float>::infinity();
      for (int64_t s = 0; s < length; ++s) {
        // 8 partial sums keep the dot product vectorisable and its dependency chains short.
        float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t d = 0;
        for (; d + 8 <= dim; d += 8) {
          for (int lane = 0; lane < 8; ++lane) partial[lane] += q[d + lane] * k[s * dim + d + lane];
        }
        for (; d < dim; ++d) partial[0] += q[d] * k[s * dim + d];
        const float dot = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
                          ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        weights[s] = dot * inv_scale;
        top = std::max(top, weights[s]);
      }
      float total = 0;
      for (int64_t s = 0; s < length; ++s) {
        weights[s] = std::exp(weights[s] - top);
        total += weights[s];
      }
      std::fill(o, o + dim, 0.0f);
      for (int64_t s = 0; s < length; ++s) {
        const float w = weights[s] / total;
        for (int64_t d = 0; d < dim; ++d) o[d] += w * v[s * dim + d];
      }
    }
  });
  return out;
}

}  // namespace

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

at::Tensor Conv1DImpl::forward(const at::Tensor& x) {
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
  out_shape.back() = weight.size(1);
  // [N, in] @ [in, out] + [out] -> [N, out], N = product of the leading dims.
  return at::addmm(bias, x.reshape({-1, x.size(-1)}), weight).view(out_shape);
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

  if (steps == 1) {
    // One new token (every decoding step after the first) sees every cached position, so there
    // is no mask (the original's mask slice is all ones).
    if (x.is_cpu() && x.scalar_type() == at::kFloat && key_cache.is_contiguous() &&
        value_cache.is_contiguous()) {
      const at::Tensor attended =
          SingleQueryAttentionCpu(query.reshape({batch, n_head, head_dim}).contiguous(), key_cache,
                                  value_cache, total, scale);
      return c_proj(attended.view({batch, 1, width}));  // merge heads: [B, 1, C] -> [B, 1, C]
    }
    // Elsewhere: the B*H dot products as one broadcast multiply-and-sum.
    const at::Tensor step_scores = (query * keys).sum(-1) / scale;  // [B, H, S]
    const at::Tensor step_weights = at::softmax(step_scores, -1);   // [B, H, S]
    const at::Tensor step_attended =
        (step_weights.unsqueeze(-1) * values).sum(2).reshape({batch, 1, width});  // [B, 1, C]
    return c_proj(step_attended);                                                 // [B, 1, C]
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
  // GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
  return c_proj(at::gelu(c_fc(x), "tanh"));  // [..., n_inner] -> [..., C]
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
  return at::matmul(hidden, wte->weight.t());  // [..., C] @ [C, V] -> [..., V]
}

}  // namespace clipglass::models::gpt2
