// `clipglass train all`: the four trainers in sequence, each file where `train <model>` writes it,
// the StyleGAN2 run judged by the referee trained first (runs the built binary, 2 steps each).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;  // stdout, then stderr
};

Result RunClipglass(const std::string& args) {
  const std::string command = std::string(CLIPGLASS_BINARY) + " " + args + " 2>&1";
  Result result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
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
  const Result r = RunClipglass("train all --steps 2 --threads 1 --out " + out.string());
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
  const Result r = RunClipglass("train all --steps 2 --out " + file.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find(file.string()), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("== train all: referee"), std::string::npos) << r.out;
}

}  // namespace
