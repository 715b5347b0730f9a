#include "coordinator/ga/nondominated.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "coordinator/ga/hypervolume.h"
#include "coordinator/ga/problems.h"
#include "coordinator/ga/rng.h"
#include "coordinator/ga/survival.h"

namespace clipglass::ga {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(DominanceTest, Relations) {
  using V = std::vector<double>;
  EXPECT_EQ(Dominance(V{1, 1}, V{2, 2}), 1);
  EXPECT_EQ(Dominance(V{1, 2}, V{1, 1}), -1);
  EXPECT_EQ(Dominance(V{1, 2}, V{2, 1}), 0);
  EXPECT_EQ(Dominance(V{1, 1}, V{1, 1}), 0);
}

// Rank by definition: peel off the non-dominated set repeatedly.
std::vector<int> BruteForceRanks(const std::vector<double>& f, int m) {
  const int n = static_cast<int>(f.size()) / m;
  std::vector<int> rank(n, -1);
  for (int r = 0, assigned = 0; assigned < n; ++r) {
    std::vector<int> front;
    for (int i = 0; i < n; ++i) {
      if (rank[i] >= 0) continue;
      bool dominated = false;
      for (int j = 0; j < n && !dominated; ++j) {
        dominated = rank[j] < 0 && j != i &&
                    Dominance(std::span(f).subspan(j * m, m), std::span(f).subspan(i * m, m)) == 1;
      }
      if (!dominated) front.push_back(i);
    }
    for (int i : front) rank[i] = r;
    assigned += static_cast<int>(front.size());
  }
  return rank;
}

TEST(FastNonDominatedSortTest, MatchesTheDefinitionOnRandomPoints) {
  Rng rng(1);
  for (int m : {2, 3}) {
    std::vector<double> f(120 * m);
    // Coarse values so that ties and equal points occur.
    for (double& v : f) v = std::floor(rng.Uniform() * 8);
    const auto fronts = FastNonDominatedSort(f, m);
    const std::vector<int> expected = BruteForceRanks(f, m);
    std::vector<int> got(120, -1);
    for (size_t k = 0; k < fronts.size(); ++k) {
      for (int i : fronts[k]) got[i] = static_cast<int>(k);
    }
    EXPECT_EQ(got, expected);
  }
}

TEST(FastNonDominatedSortTest, StopsOnceEnoughAreRanked) {
  std::vector<double> f;
  for (int i = 0; i < 10; ++i) f.insert(f.end(), {double(i), double(i)});  // a chain: 10 fronts
  EXPECT_EQ(FastNonDominatedSort(f, 2).size(), 10u);
  EXPECT_EQ(FastNonDominatedSort(f, 2, 3).size(), 3u);
}

TEST(CrowdingDistanceTest, BoundariesInfiniteInteriorNormalisedDuplicatesZero) {
  const std::vector<double> f = {0, 1, 0.25, 0.5, 0.5, 0.25, 1, 0, 0.25, 0.5};
  const std::vector<double> cd = CrowdingDistance(f, 2);
  EXPECT_EQ(cd[0], kInf);
  EXPECT_EQ(cd[3], kInf);
  EXPECT_DOUBLE_EQ(cd[1], (0.5 + 0.75) / 2);
  EXPECT_DOUBLE_EQ(cd[2], (0.75 + 0.5) / 2);
  EXPECT_EQ(cd[4], 0.0);  // duplicate of point 1
  EXPECT_EQ(CrowdingDistance(std::vector<double>{0, 1, 1, 0}, 2),
            (std::vector<double>{kInf, kInf}));
}

TEST(RankAndCrowdingSurvivalTest, KeepsWholeFrontsThenTheLeastCrowded) {
  // Front 0: 5 points on a line; front 1: 2 points behind them.
  Population pop(1, 2);
  const double pts[][2] = {{0, 4}, {1, 3}, {1.1, 2.9}, {3, 1}, {4, 0}, {5, 5}, {6, 6}};
  for (int i = 0; i < 7; ++i) {
    const double x[1] = {double(i)};
    pop.Append(i, x, pts[i]);
  }
  Rng rng(3);
  const std::vector<int> keep = RankAndCrowdingSurvival(pop, 4, rng);
  ASSERT_EQ(keep.size(), 4u);
  // Crowding: extremes 0 and 4 infinite, point 3 0.725, point 2 0.5, point 1 0.275.
  std::vector<int> sorted = keep;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(pop.crowding[3], 0.725);
  const std::vector<int> all = RankAndCrowdingSurvival(pop, 7, rng);
  EXPECT_EQ(all.size(), 7u);
  EXPECT_EQ(pop.rank[5], 1);
  EXPECT_EQ(pop.rank[6], 2);
}

TEST(HypervolumeTest, RectanglesAndIgnoredPoints) {
  EXPECT_DOUBLE_EQ(Hypervolume2D(std::vector<double>{0.5, 0.5}, {1, 1}), 0.25);
  // Two points: union of two rectangles.
  EXPECT_DOUBLE_EQ(Hypervolume2D(std::vector<double>{0.0, 0.5, 0.5, 0.0}, {1, 1}), 0.75);
  // A dominated point and one outside the reference add nothing.
  EXPECT_DOUBLE_EQ(Hypervolume2D(std::vector<double>{0.5, 0.5, 0.6, 0.6, 1.5, -1.0}, {1, 1}), 0.25);
  EXPECT_EQ(Hypervolume2D(std::vector<double>{}, {1, 1}), 0.0);
}

TEST(HypervolumeTest, TrueZdtFronts) {
  EXPECT_NEAR(TrueFrontHypervolume(ProblemKind::kZdt1), 2.0 / 3.0, 1e-4);
  EXPECT_NEAR(TrueFrontHypervolume(ProblemKind::kZdt2), 1.0 / 3.0, 1e-4);
  EXPECT_NEAR(TrueFrontHypervolume(ProblemKind::kZdt3), 1.0444, 1e-3);
}

}  // namespace
}  // namespace clipglass::ga
