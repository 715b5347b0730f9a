// Runs the real `clipglass model-run clip` on the tests/data/reference/clip fixture and checks what
// it writes, and that bad invocations fail with one line on stderr.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
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

// Runs `clipglass model-run clip <args>` (args already shell-safe); stdout is dropped.
test_support::CommandResult RunClipglass(const std::string& args) {
  return test_support::RunCommand(std::string(CLIPGLASS_BINARY) + " model-run clip " + args +
                                  " >/dev/null");
}

TEST(ClipModelRunTest, WritesFeaturesAndSimilarityMatchingTheReference) {
  TempDir dir("clip_cli");
  const weights::StateDict inputs = LoadDictOrFail(ReferencePath("clip/inputs.safetensors"));
  const weights::StateDict expected = LoadDictOrFail(ReferencePath("clip/outputs.safetensors"));
  const std::string in = dir.File("in.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(in, {{"images", TensorOrFail(inputs, "images")},
                                            {"text_tokens", TensorOrFail(inputs, "text_tokens")}})
                  .ok());
  for (const std::string weights : {"weights.safetensors", "weights.pt", "weights_jit.pt"}) {
    const std::string out = dir.File("out.safetensors");
    const test_support::CommandResult run =
        RunClipglass("--weights " + ReferencePath("clip/" + weights) + " --inputs " + in +
                     " --out " + out + " --threads 1");
    ASSERT_EQ(run.exit_code, 0) << weights << ": " << run.err;
    const weights::StateDict got = LoadDictOrFail(out);
    EXPECT_EQ(got.tensors.size(), 3u);
    for (const char* key : {"image_features", "text_features", "cosine_similarity"}) {
      EXPECT_TRUE(AllClose(TensorOrFail(got, key), TensorOrFail(expected, key), kTol, kTol))
          << weights << " " << key;
    }
  }
}

TEST(ClipModelRunTest, TextOnlyInputWritesOnlyTextFeatures) {
  TempDir dir("clip_cli");
  const weights::StateDict inputs = LoadDictOrFail(ReferencePath("clip/inputs.safetensors"));
  const std::string in = dir.File("in.safetensors");
  ASSERT_TRUE(
      weights::SaveSafetensors(in, {{"text_tokens", TensorOrFail(inputs, "text_tokens")}}).ok());
  const std::string out = dir.File("out.safetensors");
  const test_support::CommandResult run =
      RunClipglass("--weights " + ReferencePath("clip/weights.safetensors") + " --inputs " + in +
                   " --out " + out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const weights::StateDict got = LoadDictOrFail(out);
  EXPECT_EQ(got.tensors.size(), 1u);
  EXPECT_TRUE(got.Has("text_features"));
}

// Each failure: non-zero exit, exactly one line on stderr that says what is wrong.
void ExpectOneLineFailure(const test_support::CommandResult& run, const std::string& needle) {
  EXPECT_NE(run.exit_code, 0);
  ASSERT_FALSE(run.err.empty());
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;
  EXPECT_NE(run.err.find(needle), std::string::npos) << run.err;
}

TEST(ClipModelRunTest, BadInvocationsFailWithOneLine) {
  TempDir dir("clip_cli");
  const std::string weights = ReferencePath("clip/weights.safetensors");
  const std::string out = dir.File("out.safetensors");

  const std::string empty = dir.File("empty.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(empty, {{"something_else", at::zeros({2})}}).ok());
  ExpectOneLineFailure(
      RunClipglass("--weights " + weights + " --inputs " + empty + " --out " + out), "images");

  const std::string wrong = dir.File("wrong.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(wrong, {{"images", at::zeros({2, 3, 5, 5})}}).ok());
  ExpectOneLineFailure(
      RunClipglass("--weights " + weights + " --inputs " + wrong + " --out " + out),
      "[2, 3, 5, 5]");

  ExpectOneLineFailure(
      RunClipglass("--weights " + dir.File("missing.pt") + " --inputs " + wrong + " --out " + out),
      "missing.pt");
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace clipglass
