// Shared assertions for model parity tests: |actual - expected| <= atol + rtol * |expected|,
// reported with the worst element so a failure says how far off a model is.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

namespace clipglass::testing {

inline ::testing::AssertionResult AllClose(const at::Tensor& actual, const at::Tensor& expected,
                                           double atol, double rtol) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << "shape " << actual.sizes() << " != expected " << expected.sizes();
  }
  const at::Tensor a = actual.to(at::kDouble);
  const at::Tensor b = expected.to(at::kDouble);
  const at::Tensor excess = (a - b).abs() - (atol + rtol * b.abs());
  const double worst = excess.max().item<double>();
  if (worst <= 0.0 && !a.isnan().any().item<bool>()) return ::testing::AssertionSuccess();
  const int64_t index = excess.flatten().argmax().item<int64_t>();
  return ::testing::AssertionFailure()
         << "max abs error " << (a - b).abs().max().item<double>() << " (atol " << atol << ", rtol "
         << rtol << "); worst element " << index << ": " << a.flatten()[index].item<double>()
         << " vs " << b.flatten()[index].item<double>();
}

inline std::string ReferencePath(const std::string& relative) {
  return std::string(CLIPGLASS_TEST_DATA_DIR) + "/reference/" + relative;
}

}  // namespace clipglass::testing
