#include "coordinator/ga/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

namespace clipglass::ga {
namespace {

TEST(RngTest, SplitMix64MatchesPublishedSequence) {
  // SplitMix64 seeded with 1234567 (the sequence published with Vigna's reference code).
  uint64_t x = 1234567;
  const uint64_t expected[] = {6457827717110365317ULL, 3203168211198807973ULL,
                               9817491932198370423ULL, 4593380528125082431ULL,
                               16408922859458223821ULL};
  for (uint64_t e : expected) {
    x += 0x9e3779b97f4a7c15ULL;
    EXPECT_EQ(Mix64(x), e);
  }
}

TEST(RngTest, SameSeedSameStreamDifferentSeedDifferentStream) {
  Rng a(42), b(42), c(43);
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t va = a.NextU64();
    EXPECT_EQ(va, b.NextU64());
    differ += va != c.NextU64();
  }
  EXPECT_GT(differ, 990);
}

TEST(RngTest, StateRoundTripContinuesTheStream) {
  Rng a(7);
  for (int i = 0; i < 100; ++i) a.Normal();
  StatusOr<Rng> b = Rng::FromState(a.state());
  ASSERT_TRUE(b.ok());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.NextU64(), b->NextU64());
  EXPECT_FALSE(Rng::FromState(RngState{}).ok());
}

TEST(RngTest, DerivedSeedsAreDistinctAndIslandZeroIsTheRunSeed) {
  std::set<uint64_t> seeds;
  for (uint64_t i = 0; i < 1000; ++i) {
    seeds.insert(RunSeed(5, i));
    seeds.insert(IslandSeed(5, i + 1));
    seeds.insert(TopologySeed(5, i));
  }
  EXPECT_EQ(seeds.size(), 3000u);
  EXPECT_EQ(IslandSeed(99, 0), 99u);
  EXPECT_NE(RunSeed(5, 0), RunSeed(6, 0));
}

TEST(RngTest, UniformMomentsAndRange) {
  Rng r(1);
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12.0, 0.002);
}

TEST(RngTest, UniformIndexIsUnbiased) {
  // n = 3 is where a modulo reduction of a power-of-two range is most visibly biased.
  for (uint64_t n : {3ULL, 7ULL, 10ULL}) {
    Rng r(n);
    std::vector<int> counts(n, 0);
    const int draws = 60000;
    for (int i = 0; i < draws; ++i) {
      const uint64_t v = r.UniformIndex(n);
      ASSERT_LT(v, n);
      ++counts[v];
    }
    double chi2 = 0;
    const double expected = static_cast<double>(draws) / n;
    for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
    // 99.9% quantile of chi-square with 9 degrees of freedom is 27.9.
    EXPECT_LT(chi2, 27.9) << "n=" << n;
  }
}

TEST(RngTest, UniformIntHitsBothEndsAndStaysInside) {
  Rng r(3);
  bool lo = false, hi = false;
  for (int i = 0; i < 10000; ++i) {
    const int64_t v = r.UniformInt(-2, 2);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    lo |= v == -2;
    hi |= v == 2;
  }
  EXPECT_TRUE(lo && hi);
}

TEST(RngTest, NormalMoments) {
  Rng r(11);
  const int n = 200000;
  double s1 = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.Normal();
    s1 += z;
    s2 += z * z;
    s4 += z * z * z * z;
  }
  EXPECT_NEAR(s1 / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.015);
  EXPECT_NEAR(s4 / n, 3.0, 0.1);  // kurtosis of a normal
}

TEST(RngTest, TruncatedNormalStaysInsideWithTheRightVariance) {
  Rng r(12);
  const int n = 100000;
  double s1 = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.TruncatedNormal(-2.0, 2.0);
    ASSERT_GE(z, -2.0);
    ASSERT_LE(z, 2.0);
    s1 += z;
    s2 += z * z;
  }
  // Var of N(0,1) truncated to [-2, 2] = 1 - 2 * 2 * phi(2) / (Phi(2) - Phi(-2)).
  const double phi2 = std::exp(-2.0) / std::sqrt(2.0 * M_PI);
  const double mass = std::erf(2.0 / std::sqrt(2.0));
  EXPECT_NEAR(s1 / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0 - 4.0 * phi2 / mass, 0.01);
}

TEST(RngTest, BernoulliRate) {
  Rng r(13);
  int ones = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) ones += r.Bernoulli(0.005);
  EXPECT_NEAR(static_cast<double>(ones) / n, 0.005, 0.0006);
}

TEST(RngTest, PermutationIsAPermutationAndUniformInPosition) {
  Rng r(14);
  std::vector<int> p;
  std::vector<int> first(5, 0);
  for (int t = 0; t < 20000; ++t) {
    r.Permutation(5, &p);
    std::set<int> s(p.begin(), p.end());
    ASSERT_EQ(s.size(), 5u);
    ++first[p[0]];
  }
  for (int c : first) EXPECT_NEAR(c / 20000.0, 0.2, 0.02);
}

}  // namespace
}  // namespace clipglass::ga
