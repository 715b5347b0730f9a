// Built with -O3 -ffp-contract=off (worker/models/CMakeLists.txt): the loops vectorise, and the
// AVX2 clone computes the same bits as the baseline one.
#include "worker/models/gpt2_attention_cpu.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace clipglass::models::gpt2 {
namespace {

constexpr int kLanes = 8;  // partial sums per dot product: one AVX2 register

// q . k over `dim` floats with 8 lane-wise partial sums combined in a fixed order.
inline __attribute__((always_inline)) float Dot(const float* __restrict q,
                                                const float* __restrict k, int64_t dim) {
  float partial[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t d = 0;
  for (; d + kLanes <= dim; d += kLanes) {
    for (int lane = 0; lane < kLanes; ++lane) partial[lane] += q[d + lane] * k[d + lane];
  }
  for (; d < dim; ++d) partial[0] += q[d] * k[d];
  return ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
         ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

// out += w * v over `dim` floats.
inline __attribute__((always_inline)) void AddScaled(float* __restrict out, float w,
                                                     const float* __restrict v, int64_t dim) {
  for (int64_t d = 0; d < dim; ++d) out[d] += w * v[d];
}

// One row's attention: scores, a max-shifted softmax, the weighted sum of values.
__attribute__((target_clones("avx2", "default"))) void AttendRow(const float* q, const float* keys,
                                                                 const float* values,
                                                                 int64_t length, int64_t dim,
                                                                 float inv_scale, float* weights,
                                                                 float* out) {
  float top = -std::numeric_limits<float>::infinity();
  for (int64_t s = 0; s < length; ++s) {
    weights[s] = Dot(q, keys + s * dim, dim) * inv_scale;
    top = std::max(top, weights[s]);
  }
  float total = 0;
  for (int64_t s = 0; s < length; ++s) {
    weights[s] = std::exp(weights[s] - top);
    total += weights[s];
  }
  std::fill(out, out + dim, 0.0f);
  for (int64_t s = 0; s < length; ++s) AddScaled(out, weights[s] / total, values + s * dim, dim);
}

}  // namespace

at::Tensor CausalAttentionCpu(const at::Tensor& query, const at::Tensor& key_cache,
                              const at::Tensor& value_cache, int64_t past, double scale) {
  const int64_t rows = query.size(0) * query.size(1);
  const int64_t steps = query.size(2);
  const int64_t dim = query.size(3);
  const int64_t capacity = key_cache.size(2);
  at::Tensor out = at::empty_like(query);  // [B, H, T, D]
  const float* q_data = query.data_ptr<float>();
  const float* k_data = key_cache.data_ptr<float>();
  const float* v_data = value_cache.data_ptr<float>();
  float* out_data = out.data_ptr<float>();
  const float inv_scale = static_cast<float>(1.0 / scale);
  // Work items are (row, query) pairs; query t of a row sees positions 0 .. past + t.
  at::parallel_for(0, rows * steps, 8, [&](int64_t begin, int64_t end) {
    std::vector<float> weights(past + steps);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t r = item / steps;
      const int64_t t = item % steps;
      AttendRow(q_data + item * dim, k_data + r * capacity * dim, v_data + r * capacity * dim,
                past + t + 1, dim, inv_scale, weights.data(), out_data + item * dim);
    }
  });
  return out;
}

}  // namespace clipglass::models::gpt2
