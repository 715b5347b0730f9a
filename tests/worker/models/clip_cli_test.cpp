// Runs the real `clipglass model-run clip` on the tests/data/reference/clip fixture and checks what
// it writes, and that bad invocations fail with one line on stderr.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/worker/models/tensor_match.h"
#include "worker/weights/state_dict.h"

namespace clipglass {
namespace {

using ::clipglass::testing::AllClose;
using ::clipglass::testing::ReferencePath;

constexpr double kTol = 1e-4;

class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              ("clipglass_clip_cli_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string stderr_text;
};

// Runs the binary with `args` (each already shell-safe), capturing stderr.
RunResult RunClipglass(const std::string& args, const TempDir& dir) {
  const std::string err = dir.File("stderr.txt");
  const std::string command =
      std::string(CLIPGLASS_BINARY) + " model-run clip " + args + " 2>" + err + " >/dev/null";
  const int status = std::system(command.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err);
  std::stringstream text;
  text << in.rdbuf();
  result.stderr_text = text.str();
  return result;
}

weights::StateDict MustLoad(const std::string& path) {
  auto dict = weights::LoadStateDict(path);
  EXPECT_TRUE(dict.ok()) << dict.status().ToString();
  return dict.ok() ? std::move(dict).value() : weights::StateDict{};
}

at::Tensor Get(const weights::StateDict& dict, const std::string& key) {
  auto t = dict.Get(key);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : at::Tensor();
}

TEST(ClipModelRunTest, WritesFeaturesAndSimilarityMatchingTheReference) {
  TempDir dir;
  const weights::StateDict inputs = MustLoad(ReferencePath("clip/inputs.safetensors"));
  const weights::StateDict expected = MustLoad(ReferencePath("clip/outputs.safetensors"));
  const std::string in = dir.File("in.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(in, {{"images", Get(inputs, "images")},
                                            {"text_tokens", Get(inputs, "text_tokens")}})
                  .ok());
  for (const std::string weights : {"weights.safetensors", "weights.pt", "weights_jit.pt"}) {
    const std::string out = dir.File("out.safetensors");
    const RunResult run = RunClipglass("--weights " + ReferencePath("clip/" + weights) +
                                           " --inputs " + in + " --out " + out + " --threads 1",
                                       dir);
    ASSERT_EQ(run.exit_code, 0) << weights << ": " << run.stderr_text;
    const weights::StateDict got = MustLoad(out);
    EXPECT_EQ(got.tensors.size(), 3u);
    for (const char* key : {"image_features", "text_features", "cosine_similarity"}) {
      EXPECT_TRUE(AllClose(Get(got, key), Get(expected, key), kTol, kTol)) << weights << " " << key;
    }
  }
}

TEST(ClipModelRunTest, TextOnlyInputWritesOnlyTextFeatures) {
  TempDir dir;
  const weights::StateDict inputs = MustLoad(ReferencePath("clip/inputs.safetensors"));
  const std::string in = dir.File("in.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(in, {{"text_tokens", Get(inputs, "text_tokens")}}).ok());
  const std::string out = dir.File("out.safetensors");
  const RunResult run = RunClipglass("--weights " + ReferencePath("clip/weights.safetensors") +
                                         " --inputs " + in + " --out " + out,
                                     dir);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const weights::StateDict got = MustLoad(out);
  EXPECT_EQ(got.tensors.size(), 1u);
  EXPECT_TRUE(got.Has("text_features"));
}

// Each failure: non-zero exit, exactly one line on stderr that says what is wrong.
void ExpectOneLineFailure(const RunResult& run, const std::string& needle) {
  EXPECT_NE(run.exit_code, 0);
  ASSERT_FALSE(run.stderr_text.empty());
  EXPECT_EQ(run.stderr_text.find('\n'), run.stderr_text.size() - 1) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find(needle), std::string::npos) << run.stderr_text;
}

TEST(ClipModelRunTest, BadInvocationsFailWithOneLine) {
  TempDir dir;
  const std::string weights = ReferencePath("clip/weights.safetensors");
  const std::string out = dir.File("out.safetensors");

  const std::string empty = dir.File("empty.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(empty, {{"something_else", at::zeros({2})}}).ok());
  ExpectOneLineFailure(
      RunClipglass("--weights " + weights + " --inputs " + empty + " --out " + out, dir), "images");

  const std::string wrong = dir.File("wrong.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(wrong, {{"images", at::zeros({2, 3, 5, 5})}}).ok());
  ExpectOneLineFailure(
      RunClipglass("--weights " + weights + " --inputs " + wrong + " --out " + out, dir),
      "[2, 3, 5, 5]");

  ExpectOneLineFailure(
      RunClipglass("--weights " + dir.File("missing.pt") + " --inputs " + wrong + " --out " + out,
                   dir),
      "missing.pt");
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace clipglass
