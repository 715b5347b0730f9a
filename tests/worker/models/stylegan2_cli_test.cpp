// Runs the real `clipglass model-run stylegan2` on the tests/data/reference/stylegan2 fixture and
// checks what it writes, and that bad invocations fail with one line on stderr.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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
              ("clipglass_stylegan2_cli_" + std::to_string(::getpid()))) {
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

RunResult RunStylegan2(const std::string& args, const TempDir& dir) {
  const std::string err = dir.File("stderr.txt");
  const std::string command = std::string(CLIPGLASS_BINARY) + " model-run stylegan2 " + args +
                              " --threads 1 2>" + err + " >/dev/null";
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

const std::string kG = ReferencePath("stylegan2/G_weights.safetensors");
const std::string kD = ReferencePath("stylegan2/D_weights.safetensors");
const std::string kInputs = ReferencePath("stylegan2/inputs.safetensors");

TEST(Stylegan2ModelRunTest, WritesWsImageAndLogitsMatchingTheReference) {
  TempDir dir;
  const weights::StateDict expected = MustLoad(ReferencePath("stylegan2/outputs.safetensors"));
  // D first: which file is which is told from the keys.
  const std::string out = dir.File("out.safetensors");
  const RunResult run = RunStylegan2(
      "--weights " + kD + " --weights " + kG + " --inputs " + kInputs + " --out " + out, dir);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const weights::StateDict got = MustLoad(out);
  EXPECT_TRUE(AllClose(Get(got, "ws"), Get(expected, "ws"), kTol, kTol));
  EXPECT_TRUE(AllClose(Get(got, "img"), Get(expected, "img"), kTol, kTol));
  EXPECT_TRUE(AllClose(Get(got, "d_logits"), Get(expected, "d_logits"), kTol, kTol));
  EXPECT_EQ(got.metadata.at("model"), "stylegan2");
}

TEST(Stylegan2ModelRunTest, TruncationAndNoiseModeReachTheModel) {
  TempDir dir;
  const weights::StateDict expected = MustLoad(ReferencePath("stylegan2/outputs.safetensors"));
  const std::string out = dir.File("psi.safetensors");
  RunResult run = RunStylegan2("--weights " + kG + " --weights " + kD + " --inputs " + kInputs +
                                   " --out " + out + " --truncation-psi 0.7",
                               dir);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  weights::StateDict got = MustLoad(out);
  EXPECT_TRUE(AllClose(Get(got, "ws"), Get(expected, "ws_psi0.7"), kTol, kTol));
  EXPECT_TRUE(AllClose(Get(got, "img"), Get(expected, "img_psi0.7"), kTol, kTol));
  EXPECT_TRUE(AllClose(Get(got, "d_logits"), Get(expected, "d_logits_psi0.7"), kTol, kTol));

  // Generator only, no noise: no d_logits.
  const std::string none = dir.File("none.safetensors");
  run = RunStylegan2(
      "--weights " + kG + " --inputs " + kInputs + " --out " + none + " --noise-mode none", dir);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  got = MustLoad(none);
  EXPECT_TRUE(AllClose(Get(got, "img"), Get(expected, "img_noise_none"), kTol, kTol));
  EXPECT_FALSE(got.Has("d_logits"));
}

TEST(Stylegan2ModelRunTest, BadInvocationsFailWithOneLine) {
  TempDir dir;
  const std::string out = dir.File("out.safetensors");
  // Only a discriminator.
  RunResult run = RunStylegan2("--weights " + kD + " --inputs " + kInputs + " --out " + out, dir);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("generator"), std::string::npos) << run.stderr_text;
  // Inputs without z.
  run = RunStylegan2("--weights " + kG + " --inputs " + kG + " --out " + out, dir);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("'z'"), std::string::npos) << run.stderr_text;
  // Unknown noise mode.
  run = RunStylegan2(
      "--weights " + kG + " --inputs " + kInputs + " --out " + out + " --noise-mode loud", dir);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace clipglass
