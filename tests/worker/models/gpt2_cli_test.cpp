// Runs the real `clipglass model-run gpt2` on the tests/data/reference/gpt2 fixture and checks what
// it writes, and that bad invocations fail with one line on stderr.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/testing/run_command.h"
#include "tests/testing/temp_dir.h"
#include "tests/worker/models/fixture_dict.h"
#include "tests/worker/models/tensor_match.h"
#include "worker/weights/state_dict.h"

namespace clipglass {
namespace {

using ::clipglass::testing::AllClose;
using ::clipglass::testing::LoadDictOrFail;
using ::clipglass::testing::ReferencePath;
using ::clipglass::testing::TempDir;
using ::clipglass::testing::TensorOrFail;

constexpr double kTol = 1e-4;

// Runs `clipglass model-run gpt2 <args>` (args already shell-safe); stdout is dropped.
test_support::CommandResult RunGpt2(const std::string& args) {
  return test_support::RunCommand(std::string(CLIPGLASS_BINARY) + " model-run gpt2 " + args +
                                  " >/dev/null");
}

std::string FixtureHeads() {
  std::ifstream in(ReferencePath("gpt2/config.json"));
  return std::to_string(nlohmann::json::parse(in)["hyperparameters"]["n_head"].get<int>());
}

TEST(Gpt2ModelRunTest, WritesHiddenStatesLogitsAndGreedyIds) {
  TempDir dir("gpt2_cli");
  const weights::StateDict expected = LoadDictOrFail(ReferencePath("gpt2/outputs.safetensors"));
  const at::Tensor want_ids = TensorOrFail(expected, "generated_ids");
  const int64_t new_tokens = want_ids.size(1) - TensorOrFail(expected, "hidden_states").size(1);
  const std::string out = dir.File("out.safetensors");
  const test_support::CommandResult run =
      RunGpt2("--weights " + ReferencePath("gpt2/weights.safetensors") + " --inputs " +
              ReferencePath("gpt2/inputs.safetensors") + " --out " + out + " --heads " +
              FixtureHeads() + " --generate " + std::to_string(new_tokens) + " --threads 1");
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const weights::StateDict got = LoadDictOrFail(out);
  EXPECT_EQ(got.tensors.size(), 3u);
  EXPECT_TRUE(AllClose(TensorOrFail(got, "hidden_states"), TensorOrFail(expected, "hidden_states"),
                       kTol, kTol));
  EXPECT_TRUE(AllClose(TensorOrFail(got, "logits_last"), TensorOrFail(expected, "logits_last"),
                       kTol, kTol));
  const at::Tensor ids = TensorOrFail(got, "generated_ids");
  EXPECT_EQ(ids.scalar_type(), at::kLong);
  EXPECT_TRUE(ids.equal(want_ids));
  EXPECT_EQ(got.metadata.at("model"), "gpt2");
  EXPECT_EQ(got.metadata.at("n_head"), FixtureHeads());

  // Without --generate: only the forward outputs.
  const test_support::CommandResult plain = RunGpt2(
      "--weights " + ReferencePath("gpt2/weights.safetensors") + " --inputs " +
      ReferencePath("gpt2/inputs.safetensors") + " --out " + out + " --heads " + FixtureHeads());
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(LoadDictOrFail(out).Has("generated_ids"));
}

TEST(Gpt2ModelRunTest, BadInvocationsFailWithOneLine) {
  TempDir dir("gpt2_cli");
  const std::string weights = ReferencePath("gpt2/weights.safetensors");
  const std::string out = dir.File("out.safetensors");

  // The fixture's width is not a multiple of 64: the head count must be given.
  test_support::CommandResult run =
      RunGpt2("--weights " + weights + " --inputs " + ReferencePath("gpt2/inputs.safetensors") +
              " --out " + out);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("head count"), std::string::npos) << run.err;

  // Inputs without input_ids.
  run = RunGpt2("--weights " + weights + " --inputs " + weights + " --out " + out + " --heads " +
                FixtureHeads());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("input_ids"), std::string::npos) << run.err;

  // A missing weights file.
  run = RunGpt2("--weights " + dir.File("none.safetensors") + " --inputs " +
                ReferencePath("gpt2/inputs.safetensors") + " --out " + out);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("none.safetensors"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace clipglass
