// Runs the real `clipglass model-run stylegan2` on the tests/data/reference/stylegan2 fixture and
// checks what it writes, and that bad invocations fail with one line on stderr.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

// Runs `clipglass model-run stylegan2 <args>` (args already shell-safe); stdout is dropped.
test_support::CommandResult RunStylegan2(const std::string& args) {
  return test_support::RunCommand(std::string(CLIPGLASS_BINARY) + " model-run stylegan2 " + args +
                                  " --threads 1 >/dev/null");
}

const std::string kG = ReferencePath("stylegan2/G_weights.safetensors");
const std::string kD = ReferencePath("stylegan2/D_weights.safetensors");
const std::string kInputs = ReferencePath("stylegan2/inputs.safetensors");

TEST(Stylegan2ModelRunTest, WritesWsImageAndLogitsMatchingTheReference) {
  TempDir dir("stylegan2_cli");
  const weights::StateDict expected =
      LoadDictOrFail(ReferencePath("stylegan2/outputs.safetensors"));
  // D first: which file is which is told from the keys.
  const std::string out = dir.File("out.safetensors");
  const test_support::CommandResult run = RunStylegan2("--weights " + kD + " --weights " + kG +
                                                       " --inputs " + kInputs + " --out " + out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const weights::StateDict got = LoadDictOrFail(out);
  EXPECT_TRUE(AllClose(TensorOrFail(got, "ws"), TensorOrFail(expected, "ws"), kTol, kTol));
  EXPECT_TRUE(AllClose(TensorOrFail(got, "img"), TensorOrFail(expected, "img"), kTol, kTol));
  EXPECT_TRUE(
      AllClose(TensorOrFail(got, "d_logits"), TensorOrFail(expected, "d_logits"), kTol, kTol));
  EXPECT_EQ(got.metadata.at("model"), "stylegan2");
}

TEST(Stylegan2ModelRunTest, TruncationAndNoiseModeReachTheModel) {
  TempDir dir("stylegan2_cli");
  const weights::StateDict expected =
      LoadDictOrFail(ReferencePath("stylegan2/outputs.safetensors"));
  const std::string out = dir.File("psi.safetensors");
  test_support::CommandResult run =
      RunStylegan2("--weights " + kG + " --weights " + kD + " --inputs " + kInputs + " --out " +
                   out + " --truncation-psi 0.7");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  weights::StateDict got = LoadDictOrFail(out);
  EXPECT_TRUE(AllClose(TensorOrFail(got, "ws"), TensorOrFail(expected, "ws_psi0.7"), kTol, kTol));
  EXPECT_TRUE(AllClose(TensorOrFail(got, "img"), TensorOrFail(expected, "img_psi0.7"), kTol, kTol));
  EXPECT_TRUE(AllClose(TensorOrFail(got, "d_logits"), TensorOrFail(expected, "d_logits_psi0.7"),
                       kTol, kTol));

  // Generator only, no noise: no d_logits.
  const std::string none = dir.File("none.safetensors");
  run = RunStylegan2("--weights " + kG + " --inputs " + kInputs + " --out " + none +
                     " --noise-mode none");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  got = LoadDictOrFail(none);
  EXPECT_TRUE(
      AllClose(TensorOrFail(got, "img"), TensorOrFail(expected, "img_noise_none"), kTol, kTol));
  EXPECT_FALSE(got.Has("d_logits"));
}

TEST(Stylegan2ModelRunTest, BadInvocationsFailWithOneLine) {
  TempDir dir("stylegan2_cli");
  const std::string out = dir.File("out.safetensors");
  // Only a discriminator.
  test_support::CommandResult run =
      RunStylegan2("--weights " + kD + " --inputs " + kInputs + " --out " + out);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("generator"), std::string::npos) << run.err;
  // Inputs without z.
  run = RunStylegan2("--weights " + kG + " --inputs " + kG + " --out " + out);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("'z'"), std::string::npos) << run.err;
  // Unknown noise mode.
  run = RunStylegan2("--weights " + kG + " --inputs " + kInputs + " --out " + out +
                     " --noise-mode loud");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace clipglass
