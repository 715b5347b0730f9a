// The attention loop against the original's masked matrix math.
#include "worker/models/gpt2_attention_cpu.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace clipglass::models::gpt2 {
namespace {

// The original's attention for queries at positions past .. past + T - 1: (q @ k^T) / scale,
// later positions set to -1e10, softmax, @ v. query [B, H, T, D], keys/values [B, H, S, D].
at::Tensor MaskedAttention(const at::Tensor& query, const at::Tensor& keys,
                           const at::Tensor& values, int64_t past, double scale) {
  const int64_t steps = query.size(2);
  const int64_t total = past + steps;
  const at::Tensor hidden = at::ones({steps, total}, at::kBool).tril(past).logical_not();
  const at::Tensor scores = (at::matmul(query, keys.narrow(2, 0, total).transpose(-1, -2)) / scale)
                                .masked_fill(hidden, -1e10);
  return at::matmul(at::softmax(scores, -1), values.narrow(2, 0, total));
}

TEST(CausalAttentionCpuTest, MatchesTheMaskedMatrixMath) {
  at::manual_seed(3);
  struct Case {
    int64_t batch, heads, past, steps, dim, capacity;
  };
  // Dims that are and are not multiples of the 8 lanes; prefill (past 0) and decoding steps.
  for (const Case& c : {Case{2, 3, 0, 7, 16, 9}, Case{3, 2, 5, 1, 13, 8}, Case{1, 4, 3, 4, 64, 10},
                        Case{4, 1, 0, 1, 5, 1}}) {
    const at::Tensor query = at::randn({c.batch, c.heads, c.steps, c.dim});
    const at::Tensor keys = at::randn({c.batch, c.heads, c.capacity, c.dim}) * 2;
    const at::Tensor values = at::randn({c.batch, c.heads, c.capacity, c.dim});
    const double scale = std::sqrt(static_cast<double>(c.dim));
    const at::Tensor got = CausalAttentionCpu(query, keys, values, c.past, scale);
    const at::Tensor want = MaskedAttention(query, keys, values, c.past, scale);
    EXPECT_TRUE(at::allclose(got, want, 1e-5, 1e-6))
        << "past " << c.past << " steps " << c.steps << " dim " << c.dim << ": max error "
        << (got - want).abs().max().item<float>();
  }
}

TEST(CausalAttentionCpuTest, AQueryHasTheSameBitsAloneOrWithOthers) {
  // What makes decoding with and without the cache agree bit for bit.
  at::manual_seed(4);
  const at::Tensor query = at::randn({2, 3, 6, 24});
  const at::Tensor keys = at::randn({2, 3, 6, 24});
  const at::Tensor values = at::randn({2, 3, 6, 24});
  const at::Tensor together = CausalAttentionCpu(query, keys, values, 0, 5.0);
  for (int64_t t = 0; t < 6; ++t) {
    const at::Tensor alone =
        CausalAttentionCpu(query.narrow(2, t, 1).contiguous(), keys, values, t, 5.0);
    EXPECT_TRUE(alone.equal(together.narrow(2, t, 1))) << "query " << t;
  }
}

}  // namespace
}  // namespace clipglass::models::gpt2
