// MakeRunSetup: how a grid run's operator settings become the engine's per-segment operators.
#include "coordinator/runtime/run_setup.h"

#include <gtest/gtest.h>

#include <string>

#include "coordinator/grid/grid.h"

namespace clipglass::coordinator {
namespace {

const std::string kGrids = std::string(CLIPGLASS_TEST_DATA_DIR) + "/grids/";

grid::Grid LoadCategoricalGrid() {
  StatusOr<grid::Grid> loaded =
      grid::LoadGrid(kGrids + "categorical.yaml", {kGrids + "configs", "weights"});
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return loaded.ok() ? *loaded : grid::Grid{};
}

RunSetup MustSetUp(const grid::RunSpec& run) {
  StatusOr<RunSetup> setup = MakeRunSetup(run);
  EXPECT_TRUE(setup.ok()) << setup.status().ToString();
  return setup.ok() ? *setup : RunSetup{};
}

TEST(RunSetupTest, IntegerGenesKeepSbxAndPolynomialMutationUnlessCategorical) {
  const grid::Grid grid = LoadCategoricalGrid();
  ASSERT_EQ(grid.runs.size(), 3u);

  const RunSetup ordinal = MustSetUp(grid.runs[0]);
  ASSERT_EQ(ordinal.ga.operators.size(), 1u);
  EXPECT_EQ(ordinal.ga.operators[0].crossover.kind, ga::CrossoverKind::kSbx);
  EXPECT_EQ(ordinal.ga.operators[0].mutation.kind, ga::MutationKind::kPolynomial);

  const RunSetup categorical = MustSetUp(grid.runs[1]);
  ASSERT_EQ(categorical.ga.operators.size(), 1u);
  EXPECT_EQ(categorical.ga.operators[0].crossover.kind, ga::CrossoverKind::kUniform);
  EXPECT_EQ(categorical.ga.operators[0].crossover.prob, 0.8);
  EXPECT_EQ(categorical.ga.operators[0].mutation.kind, ga::MutationKind::kRandomReset);
  EXPECT_EQ(categorical.ga.operators[0].mutation.prob, 0.1);
}

TEST(RunSetupTest, CategoricalSettingsLeaveRealAndBoolSegmentsAlone) {
  const grid::Grid grid = LoadCategoricalGrid();
  ASSERT_EQ(grid.runs.size(), 3u);
  const RunSetup mixed = MustSetUp(grid.runs[2]);  // BigGAN: z (real) + classes (bool)
  ASSERT_EQ(mixed.ga.operators.size(), 2u);
  EXPECT_EQ(mixed.ga.operators[0].crossover.kind, ga::CrossoverKind::kSbx);
  EXPECT_EQ(mixed.ga.operators[0].mutation.kind, ga::MutationKind::kPolynomial);
  EXPECT_EQ(mixed.ga.operators[1].crossover.kind, ga::CrossoverKind::kHux);
  EXPECT_EQ(mixed.ga.operators[1].mutation.kind, ga::MutationKind::kBitFlip);
}

TEST(RunSetupTest, TheWorkerLearnsWhichGenesIndexTheTokenList) {
  StatusOr<grid::Grid> grid =
      grid::LoadGrid(kGrids + "token_segment.yaml", {kGrids + "configs", "weights"});
  ASSERT_TRUE(grid.ok()) << grid.status().ToString();
  ASSERT_EQ(grid->runs.size(), 2u);
  // TinyGPT2Words: free ids (3 genes), then `words` (2 genes) indexes the list.
  const RunSetup words = MustSetUp(grid->runs[0]);
  EXPECT_EQ(words.model.gpt2_genome_token_ids_size(), 3);
  EXPECT_EQ(words.model.gpt2_token_ids_first_gene(), 3u);
  EXPECT_EQ(words.model.gpt2_token_ids_gene_count(), 2u);
  // TinyGPT2: no list, every gene is a token id.
  const RunSetup ids = MustSetUp(grid->runs[1]);
  EXPECT_EQ(ids.model.gpt2_genome_token_ids_size(), 0);
  EXPECT_EQ(ids.model.gpt2_token_ids_gene_count(), 0u);
}

}  // namespace
}  // namespace clipglass::coordinator
