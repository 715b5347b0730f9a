// End to end through the real runtime: `clipglass run` (coordinator + in-process worker over
// loopback gRPC, the model evaluator plugged in by cli/worker_factory.cpp) on a tiny grid of the
// fixture models, every family; then the archive is read back and every run must be done with a
// final image or caption made by the models.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
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
    if (with_d) {
      EXPECT_GE(final.objectives[1], 0.0);
    }
  }
}

// The grid's final_weights reach the end of a real run: the same search (same seed, same front)
// ends on the front's lowest-loss point with the original's [0, 1] and on its most similar point
// with [1, 0].
TEST(RunEndToEndTest, FinalWeightsPickTheOtherEndOfTheFront) {
  testing::TempDir dir;
  MakeWeightsDir(dir);
  const std::string archive = dir.File("final_weights_e2e.h5");
  const Exit exit =
      RunClipglass("run " + testing::DataPath("configs/grids/final_weights_e2e.yaml") +
                       " --configs " + testing::DataPath("configs") + " --weights-dir " +
                       dir.File("weights") + " --out " + archive + " --quiet --threads 1",
                   dir);
  ASSERT_EQ(exit.code, 0) << exit.output;
  auto sweep = results::ReadArchive(archive);
  ASSERT_TRUE(sweep.ok()) << sweep.status().ToString();
  ASSERT_EQ(sweep->runs.size(), 2u);
  const results::RunRecord& original = sweep->runs[0];
  const results::RunRecord& most_similar = sweep->runs[1];
  ASSERT_NE(original.id.find("original"), std::string::npos) << original.id;
  ASSERT_TRUE(original.pareto_front && most_similar.pareto_front);
  ASSERT_TRUE(original.final_individual && most_similar.final_individual);
  // One search: the same front in both runs.
  EXPECT_EQ(original.pareto_front->values, most_similar.pareto_front->values);
  const results::Population& front = *original.pareto_front;
  ASSERT_GE(front.rows(), 2) << "a one-point front cannot tell the picks apart";
  double best_similarity = -2;
  double lowest_loss = 1e300;
  for (int64_t i = 0; i < front.rows(); ++i) {
    best_similarity = std::max(best_similarity, front.values[i * 2]);
    lowest_loss = std::min(lowest_loss, front.values[i * 2 + 1]);
  }
  EXPECT_EQ(original.final_individual->objectives[1], lowest_loss);
  EXPECT_EQ(most_similar.final_individual->objectives[0], best_similarity);
}

// DESIGN.md, "Determinism", with real models: other worker counts and batch sizes pack other
// individuals together, yet every objective value in the archive must be the same.
TEST(RunEndToEndTest, WorkersAndBatchSizesDoNotChangeTheArchive) {
  testing::TempDir dir;
  MakeWeightsDir(dir);
  const std::string common = "run " + testing::DataPath("configs/grids/evaluator_e2e.yaml") +
                             " --configs " + testing::DataPath("configs") + " --weights-dir " +
                             dir.File("weights") + " --quiet --threads 1 --micro-batch 4";
  const Exit one = RunClipglass(common + " --out " + dir.File("one.h5") + " --workers 1", dir);
  ASSERT_EQ(one.code, 0) << one.output;
  const Exit three =
      RunClipglass(common + " --out " + dir.File("three.h5") + " --workers 3 --batch 3", dir);
  ASSERT_EQ(three.code, 0) << three.output;

  auto a = results::ReadArchive(dir.File("one.h5"));
  auto b = results::ReadArchive(dir.File("three.h5"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->runs.size(), b->runs.size());
  for (size_t r = 0; r < a->runs.size(); ++r) {
    const results::RunRecord& x = a->runs[r];
    const results::RunRecord& y = b->runs[r];
    SCOPED_TRACE(x.id);
    ASSERT_EQ(x.snapshots.size(), y.snapshots.size());
    for (size_t s = 0; s < x.snapshots.size(); ++s) {
      EXPECT_EQ(x.snapshots[s].genomes, y.snapshots[s].genomes);
      EXPECT_EQ(x.snapshots[s].values, y.snapshots[s].values);  // exact, not approximate
    }
    ASSERT_TRUE(x.final_individual.has_value() && y.final_individual.has_value());
    EXPECT_EQ(x.final_individual->objectives, y.final_individual->objectives);
    EXPECT_EQ(x.final_individual->image.rgb, y.final_individual->image.rgb);
    EXPECT_EQ(x.final_individual->caption, y.final_individual->caption);
  }
}

}  // namespace
}  // namespace clipglass::worker
