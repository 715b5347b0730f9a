// Runs the real `clipglass model-run gpt2` on the tests/data/reference/gpt2 fixture and checks what
// it writes, and that bad invocations fail with one line on stderr.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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
              ("clipglass_gpt2_cli_" + std::to_string(::getpid()))) {
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

// Runs `clipglass model-run gpt2 <args>` (args already shell-safe), capturing stderr.
RunResult RunGpt2(const std::string& args, const TempDir& dir) {
  const std::string err = dir.File("stderr.txt");
  const std::string command =
      std::string(CLIPGLASS_BINARY) + " model-run gpt2 " + args + " 2>" + err + " >/dev/null";
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

std::string FixtureHeads() {
  std::ifstream in(ReferencePath("gpt2/config.json"));
  return std::to_string(nlohmann::json::parse(in)["hyperparameters"]["n_head"].get<int>());
}

TEST(Gpt2ModelRunTest, WritesHiddenStatesLogitsAndGreedyIds) {
  TempDir dir;
  const weights::StateDict expected = MustLoad(ReferencePath("gpt2/outputs.safetensors"));
  const at::Tensor want_ids = Get(expected, "generated_ids");
  const int64_t new_tokens = want_ids.size(1) - Get(expected, "hidden_states").size(1);
  const std::string out = dir.File("out.safetensors");
  const RunResult run =
      RunGpt2("--weights " + ReferencePath("gpt2/weights.safetensors") + " --inputs " +
                  ReferencePath("gpt2/inputs.safetensors") + " --out " + out + " --heads " +
                  FixtureHeads() + " --generate " + std::to_string(new_tokens) + " --threads 1",
              dir);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;

  const weights::StateDict got = MustLoad(out);
  EXPECT_EQ(got.tensors.size(), 3u);
  EXPECT_TRUE(AllClose(Get(got, "hidden_states"), Get(expected, "hidden_states"), kTol, kTol));
  EXPECT_TRUE(AllClose(Get(got, "logits_last"), Get(expected, "logits_last"), kTol, kTol));
  const at::Tensor ids = Get(got, "generated_ids");
  EXPECT_EQ(ids.scalar_type(), at::kLong);
  EXPECT_TRUE(ids.equal(want_ids));
  EXPECT_EQ(got.metadata.at("model"), "gpt2");
  EXPECT_EQ(got.metadata.at("n_head"), FixtureHeads());

  // Without --generate: only the forward outputs.
  const RunResult plain = RunGpt2("--weights " + ReferencePath("gpt2/weights.safetensors") +
                                      " --inputs " + ReferencePath("gpt2/inputs.safetensors") +
                                      " --out " + out + " --heads " + FixtureHeads(),
                                  dir);
  ASSERT_EQ(plain.exit_code, 0) << plain.stderr_text;
  EXPECT_FALSE(MustLoad(out).Has("generated_ids"));
}

TEST(Gpt2ModelRunTest, BadInvocationsFailWithOneLine) {
  TempDir dir;
  const std::string weights = ReferencePath("gpt2/weights.safetensors");
  const std::string out = dir.File("out.safetensors");

  // The fixture's width is not a multiple of 64: the head count must be given.
  RunResult run = RunGpt2("--weights " + weights + " --inputs " +
                              ReferencePath("gpt2/inputs.safetensors") + " --out " + out,
                          dir);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("head count"), std::string::npos) << run.stderr_text;

  // Inputs without input_ids.
  run = RunGpt2("--weights " + weights + " --inputs " + weights + " --out " + out + " --heads " +
                    FixtureHeads(),
                dir);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("input_ids"), std::string::npos) << run.stderr_text;

  // A missing weights file.
  run = RunGpt2("--weights " + dir.File("none.safetensors") + " --inputs " +
                    ReferencePath("gpt2/inputs.safetensors") + " --out " + out,
                dir);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("none.safetensors"), std::string::npos) << run.stderr_text;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace clipglass
