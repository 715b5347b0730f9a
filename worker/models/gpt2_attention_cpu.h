// GPT-2's attention over the key/value cache as a plain float32 loop on CPU: LibTorch 1.13's CPU
// bmm runs one tiny BLAS product per batch row and head, which costs more than the layer's
// projections at a population batch. Vectorised for AVX2 where the CPU has it (function clones
// picked at load time) and split over (row, query) items with at::parallel_for. Bits do not
// depend on the clone, the thread count or the other items: no FMA contraction, a fixed
// summation order per item.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace clipglass::models::gpt2 {

// Causal attention of `steps` new queries over the key/value cache: query t (at position
// past + t) gets softmax(q . k_s / scale) . v_s over the positions s = 0 .. past + t. The
// original masks later positions with -1e10 before its softmax; their weights are exactly 0
// there, so leaving them out is the same math. query [B, H, T, D] contiguous; caches
// [B, H, capacity, D] contiguous float32 with positions 0 .. past + T - 1 filled. Returns
// [B, H, T, D]. A query's bits do not depend on how many queries are computed with it, so
// decoding with and without the cache agree.
at::Tensor CausalAttentionCpu(const at::Tensor& query, const at::Tensor& key_cache,
                              const at::Tensor& value_cache, int64_t past, double scale);

}  // namespace clipglass::models::gpt2
