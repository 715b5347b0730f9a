// End to end through the real runtime: `clipglass run` (coordinator + in-process worker over
// loopback gRPC, the model evaluator plugged in by cli/worker_factory.cpp) on a tiny grid of the
// fixture models, every family; then the archive is read back and every run must be done with a
// final image or caption made by the models.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "results/archive.h"
#include "tests/worker/evaluator/evaluator_test_util.h"

namespace clipglass::worker {
namespace {

namespace fs = std::filesystem;

struct Exit {
  int code = -1;
  std::string output;
};

Exit RunClipglass(const std::string& args, const testing::TempDir& dir) {
  const std::string log = dir.File("output.txt");
  const std::string command = std::string(CLIPGLASS_BINARY) + " " + args + " >" + log + " 2>&1";
  const int status = std::system(command.c_str());
  Exit exit;
  exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  exit.output = text.str();
  return exit;
}

// A weights folder laid out like tests/data/reference, with GPT-2's head count recorded.
void MakeWeightsDir(const testing::TempDir& dir) {
  const fs::path weights = fs::path(dir.path()) / "weights";
  fs::create_directories(weights / "gpt2");
  for (const char* family : {"clip", "stylegan2", "biggan"}) {
    fs::create_directory_symlink(testing::ReferencePath(family), weights / family);
  }
  testing::WriteGpt2WithHeads((weights / "gpt2" / "weights.safetensors").string());
}

TEST(RunEndToEndTest, EveryFamilyFinishesWithAFinalOutput) {
  testing::TempDir dir;
  MakeWeightsDir(dir);
  const std::string archive = dir.File("evaluator_e2e.h5");
  const Exit exit =
      RunClipglass("run " + testing::DataPath("configs/grids/evaluator_e2e.yaml") + " --configs " +
                       testing::DataPath("configs") + " --weights-dir " + dir.File("weights") +
                       " --out " + archive + " --quiet --threads 1 --micro-batch 4",
                   dir);
  ASSERT_EQ(exit.code, 0) << exit.output;

  auto sweep = results::ReadArchive(archive);
  ASSERT_TRUE(sweep.ok()) << sweep.status().ToString();
  EXPECT_EQ(sweep->state, "done");
  ASSERT_EQ(sweep->runs.size(), 4u);
  for (const results::RunRecord& run : sweep->runs) {
    SCOPED_TRACE(run.id);
    EXPECT_EQ(run.state, "done") << run.error;
    EXPECT_EQ(run.generations_done, 2);
    EXPECT_GT(run.evaluations, 0);
    ASSERT_FALSE(run.stats.empty());
    const double best = run.stats.back().best_similarity;
    EXPECT_TRUE(best >= -1.0 && best <= 1.0) << best;
    ASSERT_TRUE(run.final_individual.has_value());
    const results::FinalIndividual& final = *run.final_individual;
    if (run.id.find("TinyGPT2") != std::string::npos) {
      EXPECT_EQ(final.caption.rfind("the picture of", 0), 0u) << final.caption;
      EXPECT_TRUE(final.image.empty());
    } else {
      const int64_t side = run.id.find("TinyBigGAN") != std::string::npos ? 128 : 32;
      EXPECT_EQ(final.image.width, side);
      EXPECT_EQ(final.image.height, side);
      EXPECT_EQ(final.image.rgb.size(), static_cast<size_t>(side * side * 3));
    }
    const bool with_d = run.id.find("TinyStyleGAN2_d") != std::string::npos;
    ASSERT_EQ(final.objectives.size(), with_d ? 2u : 1u);
    if (with_d) EXPECT_GE(final.objectives[1], 0.0);
  }
}

}  // namespace
}  // namespace clipglass::worker
