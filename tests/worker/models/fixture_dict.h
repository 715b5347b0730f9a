// Reading fixture safetensors in model tests: a load or a key that fails is a test failure that
// names the file or key, and the test goes on with an empty value (so one bad file does not
// crash the whole binary).
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <utility>

#include "tests/worker/models/tensor_match.h"
#include "worker/weights/state_dict.h"

namespace clipglass::testing {

inline weights::StateDict LoadDictOrFail(const std::string& path) {
  auto dict = weights::LoadStateDict(path);
  EXPECT_TRUE(dict.ok()) << dict.status().ToString();
  return dict.ok() ? std::move(dict).value() : weights::StateDict{};
}

// A file of tests/data/reference, by its path there.
inline weights::StateDict LoadReferenceDictOrFail(const std::string& relative) {
  return LoadDictOrFail(ReferencePath(relative));
}

inline at::Tensor TensorOrFail(const weights::StateDict& dict, const std::string& key) {
  auto tensor = dict.Get(key);
  EXPECT_TRUE(tensor.ok()) << tensor.status().ToString();
  return tensor.ok() ? *tensor : at::Tensor();
}

inline double MaxAbsError(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace clipglass::testing
