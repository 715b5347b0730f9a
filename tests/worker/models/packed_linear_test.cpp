#include "worker/models/packed_linear.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>

#include "tests/worker/models/tensor_match.h"

namespace clipglass::models {
namespace {

using clipglass::testing::AllClose;

// x @ w + b in double precision: the value every float32 path approximates.
at::Tensor Exact(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  at::Tensor y = at::matmul(x.to(at::kDouble), w.to(at::kDouble));
  if (b.defined()) y = y + b.to(at::kDouble);
  return y.to(at::kFloat);
}

// The evaluator's determinism: rows 10.. of `x` through `product` alone, 1, 3 or 25 at a time, give
// the same bits as in the whole batch.
void ExpectRowsKeepTheirBitsInSmallerBatches(
    const std::function<at::Tensor(const at::Tensor&)>& product, const at::Tensor& x) {
  const at::Tensor all = product(x);
  for (int64_t rows : {1, 3, 25}) {
    EXPECT_TRUE(at::equal(product(x.narrow(0, 10, rows)), all.narrow(0, 10, rows)))
        << rows << " rows";
  }
}

TEST(PackedLinearTest, MatchesTheProductForEveryRowCount) {
  torch::NoGradGuard no_grad;
  at::manual_seed(3);
  const at::Tensor w = at::randn({96, 200}) * 0.1;  // [in, out]
  const at::Tensor b = at::randn({200});
  PackedLinear packed;
  for (int64_t rows : {1, 2, 7, 25, 100, 333}) {
    const at::Tensor x = at::randn({rows, 96});
    EXPECT_TRUE(AllClose(Linear(packed, x, w, WeightLayout::kInOut, b), Exact(x, w, b), 1e-5, 1e-5))
        << rows;
  }
}

TEST(PackedLinearTest, ReadsATransposedWeightAndNoBias) {
  // GPT-2's LM head: hidden @ wte^T, with wte [V, C] stored row-major.
  torch::NoGradGuard no_grad;
  at::manual_seed(4);
  const at::Tensor wte = at::randn({301, 64});
  const at::Tensor hidden = at::randn({5, 3, 64});  // [B, T, C]
  PackedLinear packed;
  const at::Tensor logits = Linear(packed, hidden, wte, WeightLayout::kOutIn, at::Tensor());
  ASSERT_EQ(logits.sizes(), (at::IntArrayRef{5, 3, 301}));
  EXPECT_TRUE(AllClose(logits, Exact(hidden, wte.t(), at::Tensor()), 1e-5, 1e-5));
}

// Whatever the row count of the call and the row's place in it (oneDNN's AVX2 kernels round a
// tail block of rows differently; Forward pads it away), a row gives the same bits.
TEST(PackedLinearTest, ARowGivesTheSameBitsAtEveryPlaceAndRowCount) {
  torch::NoGradGuard no_grad;
  at::manual_seed(5);
  const at::Tensor w = at::randn({64, 200}) * 0.1;  // [in, out]
  const at::Tensor b = at::randn({200});
  const at::Tensor row = at::randn({1, 64});
  PackedLinear packed;
  const at::Tensor reference = Linear(packed, row, w, WeightLayout::kInOut, b);
  for (int64_t rows = 2; rows <= 14; ++rows) {
    for (int64_t place = 0; place < rows; ++place) {
      at::Tensor x = at::randn({rows, 64});
      x[place].copy_(row[0]);
      EXPECT_TRUE(at::equal(Linear(packed, x, w, WeightLayout::kInOut, b)[place], reference[0]))
          << "row " << place << " of " << rows;
    }
  }
}

// Nor on the thread count, for narrow and wide products (oneDNN's own threading splits small
// products differently; PackedLinear runs its column slices one thread each).
TEST(PackedLinearTest, ARowGivesTheSameBitsWithEveryThreadCount) {
  torch::NoGradGuard no_grad;
  const int threads_before = at::get_num_threads();
  at::manual_seed(6);
  for (const int64_t in : {64, 768}) {
    for (const int64_t out : {64, 200, 2304}) {
      const at::Tensor w = at::randn({in, out}) * 0.1;
      const at::Tensor b = at::randn({out});
      const at::Tensor row = at::randn({1, in});
      PackedLinear packed;
      at::set_num_threads(1);
      const at::Tensor reference = Linear(packed, row, w, WeightLayout::kInOut, b);
      for (const int threads : {1, 2}) {
        at::set_num_threads(threads);
        for (const int64_t rows : {8, 25, 400}) {
          for (const int64_t place : {int64_t{0}, rows / 2, rows - 1}) {
            at::Tensor x = at::randn({rows, in});
            x[place].copy_(row[0]);
            EXPECT_TRUE(
                at::equal(Linear(packed, x, w, WeightLayout::kInOut, b)[place], reference[0]))
                << in << " -> " << out << ", row " << place << " of " << rows << ", " << threads
                << " threads";
          }
        }
      }
    }
  }
  at::set_num_threads(threads_before);
}

TEST(PackedLinearTest, ARowGivesTheSameBitsInEveryBatch) {
  // The evaluator's determinism: a genome's score may not depend on its batch neighbours.
  torch::NoGradGuard no_grad;
  at::manual_seed(5);
  const at::Tensor w = at::randn({768, 300}) * 0.05;
  const at::Tensor b = at::randn({300});
  const at::Tensor x = at::randn({64, 768});
  PackedLinear packed;
  ExpectRowsKeepTheirBitsInSmallerBatches(
      [&](const at::Tensor& rows) { return Linear(packed, rows, w, WeightLayout::kInOut, b); }, x);
}

TEST(PackedLinearTest, AppliesTheGeluEpilogueToEveryRow) {
  // GPT-2's c_fc: gelu(x @ W + b), tanh approximation, fused into the product on the packed path.
  torch::NoGradGuard no_grad;
  at::manual_seed(9);
  const at::Tensor w = at::randn({96, 200}) * 0.2;
  const at::Tensor b = at::randn({200});
  const at::Tensor x = at::randn({64, 96});
  PackedLinear packed;
  const at::Tensor all = Linear(packed, x, w, WeightLayout::kInOut, b, Epilogue::kGeluTanh);
  EXPECT_TRUE(AllClose(all, at::gelu(Exact(x, w, b), "tanh"), 1e-5, 1e-5));
  EXPECT_LT(all.min().item<float>(), 0.0f);  // GELU's negative lobe, not a ReLU or no epilogue
  ExpectRowsKeepTheirBitsInSmallerBatches(
      [&](const at::Tensor& rows) {
        return Linear(packed, rows, w, WeightLayout::kInOut, b, Epilogue::kGeluTanh);
      },
      x);
  // The same weight without the epilogue is another primitive, not the cached one.
  EXPECT_TRUE(AllClose(Linear(packed, x, w, WeightLayout::kInOut, b), Exact(x, w, b), 1e-5, 1e-5));
}

TEST(PackedLinearTest, RepacksAWeightWrittenInPlace) {
  torch::NoGradGuard no_grad;
  at::manual_seed(6);
  at::Tensor w = at::randn({32, 48});
  const at::Tensor b = at::randn({48});
  const at::Tensor x = at::randn({4, 32});
  PackedLinear packed;
  const at::Tensor before = Linear(packed, x, w, WeightLayout::kInOut, b);
  w.mul_(2.0);  // an optimiser step writes the parameter in place
  const at::Tensor after = Linear(packed, x, w, WeightLayout::kInOut, b);
  EXPECT_TRUE(AllClose(after, Exact(x, w, b), 1e-5, 1e-5));
  EXPECT_FALSE(AllClose(after, before, 1e-3, 1e-3));
}

TEST(PackedLinearTest, ServesWeightsMadeInInferenceMode) {
  // The worker loads and runs its models under c10::InferenceMode: such tensors have no version
  // counter to read.
  c10::InferenceMode inference;
  at::manual_seed(8);
  const at::Tensor wte = at::randn({50, 16});
  const at::Tensor hidden = at::randn({2, 16});
  PackedLinear packed;
  EXPECT_TRUE(AllClose(Linear(packed, hidden, wte, WeightLayout::kOutIn, at::Tensor()),
                       Exact(hidden, wte.t(), at::Tensor()), 1e-5, 1e-5));
}

TEST(PackedLinearTest, MismatchedShapesAreLibTorchErrors) {
  torch::NoGradGuard no_grad;
  PackedLinear packed;
  const at::Tensor w = at::randn({12, 5});
  EXPECT_THROW(Linear(packed, at::randn({3, 10}), w, WeightLayout::kInOut, at::Tensor()),
               c10::Error);
  EXPECT_THROW(Linear(packed, at::randn({3, 12}), w, WeightLayout::kInOut, at::randn({4})),
               c10::Error);
}

TEST(PackedLinearTest, RecordingAutogradTakesLibTorchsDifferentiableOps) {
  at::manual_seed(7);
  const at::Tensor w = at::randn({16, 8}).requires_grad_(true);
  const at::Tensor b = at::zeros({8});
  const at::Tensor x = at::randn({3, 16});
  EXPECT_FALSE(PackedLinear::Applies(x, w));
  PackedLinear packed;
  const at::Tensor y = Linear(packed, x, w, WeightLayout::kInOut, b);
  y.sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(AllClose(w.grad(), x.sum(0).unsqueeze(1).expand({16, 8}), 1e-5, 1e-5));
  {
    torch::NoGradGuard no_grad;
    EXPECT_EQ(PackedLinear::Applies(x, w), PackedLinear::Compiled());  // a parameter, no grad mode
    EXPECT_FALSE(PackedLinear::Applies(x.to(at::kDouble), w.detach().to(at::kDouble)));
  }
}

}  // namespace
}  // namespace clipglass::models
