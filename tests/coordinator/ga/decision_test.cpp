#include "coordinator/ga/decision.h"

#include <gtest/gtest.h>

#include <vector>

namespace clipglass::ga {
namespace {

Population TwoObjective(const std::vector<std::vector<double>>& pts) {
  Population pop(1, 2);
  for (size_t i = 0; i < pts.size(); ++i) {
    const double x[1] = {double(i)};
    pop.Append(i, x, pts[i]);
  }
  return pop;
}

TEST(PseudoWeightsTest, PicksThePointWhosePseudoWeightsMatch) {
  const std::vector<double> f = {0, 1, 0.5, 0.5, 1, 0};
  // Point (1, 0) is best in objective 1: pseudo-weights (0, 1).
  StatusOr<int> i = PseudoWeightsDecision(f, 2, std::vector<double>{0, 1});
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(*i, 2);
  EXPECT_EQ(*PseudoWeightsDecision(f, 2, std::vector<double>{1, 0}), 0);
  EXPECT_EQ(*PseudoWeightsDecision(f, 2, std::vector<double>{0.5, 0.5}), 1);
}

TEST(PseudoWeightsTest, FailsWhenAnObjectiveHasNoRange) {
  EXPECT_FALSE(
      PseudoWeightsDecision(std::vector<double>{0.2, 0.3}, 2, std::vector<double>{0, 1}).ok());
  EXPECT_FALSE(
      PseudoWeightsDecision(std::vector<double>{0, 1, 1e-10, 0.5}, 2, std::vector<double>{0, 1})
          .ok());
}

TEST(DecideFinalTest, GaPicksTheBest) {
  Population pop(1, 1);
  for (double v : {3.0, -1.0, 2.0, -1.0}) {
    const double x[1] = {v}, f[1] = {v};
    pop.Append(pop.size(), x, f);
  }
  EXPECT_EQ(DecideFinal(AlgorithmKind::kGa, pop)->index, 1);
}

TEST(DecideFinalTest, NsgaUsesTheFrontAndFallsBackToAsf) {
  // The dominated point (2, 2) must never be chosen.
  Population pop = TwoObjective({{2, 2}, {-0.9, 0.4}, {-0.5, 0.1}, {-0.1, 0.0}});
  StatusOr<FinalDecision> d = DecideFinal(AlgorithmKind::kNsga2, pop);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->used_asf_fallback);
  EXPECT_EQ(d->index, 3);  // weights [0, 1]: the best discriminator loss
  // Weights [1, 0] (the grid's final_weights): the other end, the best similarity.
  const double best_similarity[2] = {1.0, 0.0};
  d = DecideFinal(AlgorithmKind::kNsga2, pop, best_similarity);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->index, 1);
  // A one-point front cannot be normalised: ASF picks it.
  Population single = TwoObjective({{-0.5, 0.2}, {0.0, 0.3}});
  d = DecideFinal(AlgorithmKind::kNsga2, single);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->used_asf_fallback);
  EXPECT_EQ(d->index, 0);
}

TEST(AsfTest, MinimisesTheWeightedMaximum) {
  const std::vector<double> f = {0.1, 0.9, 0.5, 0.5, 0.9, 0.1};
  EXPECT_EQ(AsfDecision(f, 2, std::vector<double>{0.5, 0.5}), 1);
  // A zero weight becomes 1e-12, which makes objective 0 dominate the maximum.
  EXPECT_EQ(AsfDecision(f, 2, std::vector<double>{0, 1}), 0);
}

TEST(ParetoFrontTest, KeepsOnlyNonDominated) {
  Population pop = TwoObjective({{1, 1}, {0, 2}, {2, 2}, {2, 0}, {1, 1}});
  EXPECT_EQ(ParetoFront(pop), (std::vector<int>{0, 1, 3, 4}));
}

}  // namespace
}  // namespace clipglass::ga
