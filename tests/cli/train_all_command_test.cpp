// `clipglass train all`: the four trainers in sequence, each file where `train <model>` writes it,
// the StyleGAN2 run judged by the referee trained first (runs the built binary, 2 steps each).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/testing/run_command.h"

namespace {

namespace fs = std::filesystem;
namespace test_support = clipglass::test_support;

// `clipglass <args>` with stderr merged into stdout, in order.
test_support::CommandResult RunClipglass(const std::string& args) {
  return test_support::RunCommand(test_support::ClipglassCommand(args), /*merge_stderr=*/true);
}

class TrainAllCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("clipglass_train_all_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TrainAllCommandTest, TrainsTheFourModelsInOrderIntoOneFolder) {
  const fs::path out = dir_ / "models";
  const test_support::CommandResult r =
      RunClipglass("train all --steps 2 --threads 1 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  size_t at = 0;
  for (const std::string stage : {"referee", "clip", "gpt2", "stylegan2", "done"}) {
    const size_t found = r.out.find("== train all: " + stage, at);
    ASSERT_NE(found, std::string::npos) << stage << " missing or out of order:\n" << r.out;
    at = found;
  }
  for (const std::string file :
       {"referee.safetensors", "clip.safetensors", "gpt2.safetensors", "stylegan2_G.safetensors",
        "stylegan2_D.safetensors", "stylegan2_samples.png", "stylegan2_metrics.json"}) {
    ASSERT_TRUE(fs::exists(out / file)) << file;
    EXPECT_GT(fs::file_size(out / file), 0u) << file;
  }
  // The generator's end-of-run judgement used the referee trained first.
  std::ifstream metrics(out / "stylegan2_metrics.json");
  const std::string json((std::istreambuf_iterator<char>(metrics)), {});
  EXPECT_NE(json.find("referee"), std::string::npos) << json;
}

TEST_F(TrainAllCommandTest, AnOutputThatIsAFileFailsBeforeTrainingNamingIt) {
  const fs::path file = dir_ / "taken";
  std::ofstream(file) << "not a folder";
  const test_support::CommandResult r = RunClipglass("train all --steps 2 --out " + file.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find(file.string()), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("== train all: referee"), std::string::npos) << r.out;
}

}  // namespace
