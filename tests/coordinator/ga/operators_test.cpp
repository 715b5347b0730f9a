// Statistical and invariant tests of the samplers, crossovers, mutations and mating.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <vector>

#include "coordinator/ga/config.h"
#include "coordinator/ga/crossover.h"
#include "coordinator/ga/duplicates.h"
#include "coordinator/ga/mating.h"
#include "coordinator/ga/mutation.h"
#include "coordinator/ga/presets.h"
#include "coordinator/ga/sampling.h"

namespace clipglass::ga {
namespace {

// Fraction of SBX spread factors |c1 - c0| / |p1 - p0| at most b, far from the bounds.
double SbxSpreadCdf(double eta, double b, int trials) {
  Rng rng(static_cast<uint64_t>(eta * 1000) + 1);
  int below = 0;
  for (int t = 0; t < trials; ++t) {
    double c0[1] = {0.4}, c1[1] = {0.6};
    SbxReal(eta, 1.0, -1e6, 1e6, rng, c0, c1);
    below += std::fabs(c1[0] - c0[0]) / 0.2 <= b;
  }
  return static_cast<double>(below) / trials;
}

// Positions where the parents differ and the children hold their values swapped. Every position
// must hold the parents' pair, in one order or the other (where they agree, both keep it).
int CountSwaps(const std::vector<double>& p0, const std::vector<double>& p1,
               const std::vector<double>& c0, const std::vector<double>& c1) {
  int swapped = 0;
  for (size_t j = 0; j < p0.size(); ++j) {
    const bool kept = c0[j] == p0[j] && c1[j] == p1[j];
    const bool crossed = c0[j] == p1[j] && c1[j] == p0[j];
    EXPECT_TRUE(kept || crossed) << "gene " << j;
    swapped += crossed && !kept;
  }
  return swapped;
}

TEST(SbxTest, SpreadFactorFollowsTheSbxDistribution) {
  // P(beta <= b) = 0.5 b^(eta+1) for b <= 1 and 1 - 0.5 b^-(eta+1) for b > 1.
  const int n = 40000;
  for (double eta : {1.0, 3.0, 15.0}) {
    for (double b : {0.5, 0.9, 1.0, 1.2, 2.0}) {
      const double expected =
          b <= 1.0 ? 0.5 * std::pow(b, eta + 1.0) : 1.0 - 0.5 * std::pow(b, -(eta + 1.0));
      EXPECT_NEAR(SbxSpreadCdf(eta, b, n), expected, 0.01) << "eta=" << eta << " b=" << b;
    }
  }
}

TEST(SbxTest, LargerEtaKeepsChildrenCloserToParents) {
  double previous = 1e9;
  for (double eta : {0.5, 3.0, 15.0, 50.0}) {
    // Children are swapped with probability 0.5, so measure the distance to the nearest parent.
    Rng rng(5);
    double near = 0;
    for (int t = 0; t < 20000; ++t) {
      double c0[1] = {0.3}, c1[1] = {0.7};
      SbxReal(eta, 1.0, 0.0, 1.0, rng, c0, c1);
      for (double c : {c0[0], c1[0]}) near += std::min(std::fabs(c - 0.3), std::fabs(c - 0.7));
    }
    EXPECT_LT(near, previous) << "eta=" << eta;
    previous = near;
  }
}

TEST(SbxTest, EachVariableTakesPartWithProbPerVariableAndChildrenSwapHalfTheTime) {
  Rng rng(9);
  const int vars = 100000;
  std::vector<double> c0(vars, 0.25), c1(vars, 0.75);
  SbxReal(3.0, 0.5, 0.0, 1.0, rng, c0, c1);
  int changed = 0, swapped = 0;
  for (int j = 0; j < vars; ++j) {
    if (c0[j] != 0.25 || c1[j] != 0.75) {
      ++changed;
      swapped += c0[j] > c1[j];
    }
  }
  EXPECT_NEAR(changed / static_cast<double>(vars), 0.5, 0.01);
  EXPECT_NEAR(swapped / static_cast<double>(changed), 0.5, 0.015);
}

TEST(SbxTest, NeverLeavesTheBoundsAndSkipsEqualGenes) {
  Rng rng(10);
  for (double eta : {0.0, 0.5, 3.0, 30.0}) {
    for (int t = 0; t < 5000; ++t) {
      double c0[3] = {rng.Uniform() * 1e-3, 1.0 - rng.Uniform() * 1e-3, 0.5};
      double c1[3] = {rng.Uniform(), rng.Uniform(), 0.5};
      SbxReal(eta, 1.0, 0.0, 1.0, rng, c0, c1);
      for (int j = 0; j < 3; ++j) {
        ASSERT_GE(c0[j], 0.0);
        ASSERT_LE(c0[j], 1.0);
        ASSERT_GE(c1[j], 0.0);
        ASSERT_LE(c1[j], 1.0);
      }
      ASSERT_EQ(c0[2], 0.5);
      ASSERT_EQ(c1[2], 0.5);
    }
  }
}

TEST(SbxTest, IntegerVariantStaysIntegralAndReachesTheBounds) {
  Segment s{"tokens", GeneKind::kInteger, 20, 0.0, 10.0};
  CrossoverConfig cx{CrossoverKind::kSbx, 1.0, 3.0, 0.5};
  Rng rng(11);
  std::vector<int> hits(11, 0);
  std::vector<int> scratch;
  for (int t = 0; t < 3000; ++t) {
    std::vector<double> c0(20), c1(20);
    for (int j = 0; j < 20; ++j) {
      c0[j] = static_cast<double>(rng.UniformInt(0, 10));
      c1[j] = static_cast<double>(rng.UniformInt(0, 10));
    }
    CrossSegment(cx, s, rng, c0, c1, &scratch);
    for (double v : c0) {
      ASSERT_EQ(v, std::floor(v));
      ASSERT_GE(v, 0.0);
      ASSERT_LE(v, 10.0);
      ++hits[static_cast<int>(v)];
    }
  }
  for (int h : hits) EXPECT_GT(h, 0);
}

TEST(RoundIntegerTest, RoundsHalfToEvenLikeNumpy) {
  EXPECT_EQ(RoundInteger(2.5, 0, 10), 2.0);
  EXPECT_EQ(RoundInteger(3.5, 0, 10), 4.0);
  EXPECT_EQ(RoundInteger(-0.4999999999999999, 0, 10), 0.0);
  EXPECT_EQ(RoundInteger(10.4999999999999, 0, 10), 10.0);
  EXPECT_EQ(RoundInteger(11.0, 0, 10), 10.0);
}

TEST(PolynomialMutationTest, MutatesEachVariableWithProbAndStaysInBounds) {
  for (double prob : {0.5, 0.01}) {
    Rng rng(20);
    const int vars = 200000;
    std::vector<double> x(vars, 0.3);
    PolynomialMutationReal(3.0, prob, -1.0, 1.0, rng, x);
    int changed = 0;
    for (double v : x) {
      ASSERT_GE(v, -1.0);
      ASSERT_LE(v, 1.0);
      changed += v != 0.3;
    }
    EXPECT_NEAR(changed / static_cast<double>(vars), prob, 4 * std::sqrt(prob / vars) + 1e-4);
  }
}

TEST(PolynomialMutationTest, DefaultProbIsOneOverSegmentSizeAndEtaShrinksSteps) {
  MutationConfig c{MutationKind::kPolynomial, 20.0, -1.0};
  EXPECT_DOUBLE_EQ(EffectiveMutationProb(c, 30), 1.0 / 30.0);
  double previous = 1e9;
  for (double eta : {1.0, 5.0, 20.0, 100.0}) {
    Rng rng(21);
    std::vector<double> x(50000, 0.0);
    PolynomialMutationReal(eta, 1.0, -1.0, 1.0, rng, x);
    double step = 0;
    for (double v : x) step += std::fabs(v);
    EXPECT_LT(step, previous) << "eta=" << eta;
    previous = step;
  }
}

TEST(PolynomialMutationTest, ReachesBothBoundsFromTheMiddleAtLowEta) {
  Rng rng(22);
  std::vector<double> x(100000, 0.0);
  PolynomialMutationReal(0.0, 1.0, -1.0, 1.0, rng, x);
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  EXPECT_LT(*lo, -0.99);
  EXPECT_GT(*hi, 0.99);
}

TEST(PolynomialMutationTest, IntegerVariantStaysIntegral) {
  Segment s{"tokens", GeneKind::kInteger, 1000, 0.0, 50256.0};
  MutationConfig m{MutationKind::kPolynomial, 3.0, 0.5};
  Rng rng(23);
  std::vector<double> x(1000, 25000.0);
  MutateSegment(m, s, rng, x);
  int changed = 0;
  for (double v : x) {
    ASSERT_EQ(v, std::floor(v));
    ASSERT_GE(v, 0.0);
    ASSERT_LE(v, 50256.0);
    changed += v != 25000.0;
  }
  EXPECT_GT(changed, 400);
  EXPECT_LT(changed, 600);
}

TEST(HuxTest, SwapsExactlyHalfOfTheDifferingBitsRoundedUp) {
  Segment s{"class", GeneKind::kBool, 64, 0, 1};
  CrossoverConfig cx{CrossoverKind::kHux, 1.0, 0, 0};
  Rng rng(30);
  std::vector<int> scratch;
  for (int t = 0; t < 500; ++t) {
    std::vector<double> p0(64), p1(64);
    for (int j = 0; j < 64; ++j) {
      p0[j] = rng.Bernoulli(0.5);
      p1[j] = rng.Bernoulli(0.3);
    }
    std::vector<double> c0 = p0, c1 = p1;
    CrossSegment(cx, s, rng, c0, c1, &scratch);
    const int differ = static_cast<int>(std::inner_product(p0.begin(), p0.end(), p1.begin(), 0,
                                                           std::plus<>(), std::not_equal_to<>()));
    ASSERT_EQ(CountSwaps(p0, p1, c0, c1), (differ + 1) / 2);
  }
}

TEST(BitFlipTest, FlipsEachBitWithProbAndKeepsZeroOne) {
  Segment s{"class", GeneKind::kBool, 200000, 0, 1};
  MutationConfig m{MutationKind::kBitFlip, 0, 0.01};
  Rng rng(31);
  std::vector<double> x(200000, 0.0);
  MutateSegment(m, s, rng, x);
  int ones = 0;
  for (double v : x) {
    ASSERT_TRUE(v == 0.0 || v == 1.0);
    ones += v == 1.0;
  }
  EXPECT_NEAR(ones / 200000.0, 0.01, 0.001);
}

TEST(UniformCrossoverTest, SwapsEachGeneWithProbabilityHalfAndKeepsPairs) {
  Segment s{"tokens", GeneKind::kInteger, 40000, 0, 11};
  CrossoverConfig cx{CrossoverKind::kUniform, 1.0, 0, 0};
  Rng rng(32);
  std::vector<int> scratch;
  std::vector<double> p0(40000), p1(40000);
  for (int j = 0; j < 40000; ++j) {
    p0[j] = static_cast<double>(j % 12);
    p1[j] = static_cast<double>((j + 5) % 12);
  }
  std::vector<double> c0 = p0, c1 = p1;
  CrossSegment(cx, s, rng, c0, c1, &scratch);
  EXPECT_NEAR(CountSwaps(p0, p1, c0, c1) / 40000.0, 0.5, 0.01);
}

TEST(RandomResetTest, DrawsEveryValueOfTheRangeEquallyOftenWithProbPerGene) {
  Segment s{"tokens", GeneKind::kInteger, 120000, 3, 14};
  MutationConfig m{MutationKind::kRandomReset, 0, 0.25};
  Rng rng(33);
  std::vector<double> x(120000, -1.0);  // a value outside the range marks an untouched gene
  MutateSegment(m, s, rng, x);
  std::vector<int> counts(12, 0);
  int reset = 0;
  for (double v : x) {
    if (v == -1.0) continue;
    ++reset;
    ASSERT_EQ(v, std::round(v));
    ASSERT_GE(v, 3.0);
    ASSERT_LE(v, 14.0);
    ++counts[static_cast<size_t>(v - 3.0)];
  }
  EXPECT_NEAR(reset / 120000.0, 0.25, 0.005);
  // Unlike polynomial mutation, no value is favoured by its distance to the old one or the bounds.
  for (int c : counts) EXPECT_NEAR(c / static_cast<double>(reset), 1.0 / 12, 0.006);
}

TEST(RandomResetTest, ValidationWantsAnIntegerSegment) {
  const MutationConfig m{MutationKind::kRandomReset, 0, 0.1};
  EXPECT_TRUE(ValidateMutation(m, Segment{"tokens", GeneKind::kInteger, 4, 0, 9}, "ga").ok());
  const Status real = ValidateMutation(m, Segment{"z", GeneKind::kReal, 4, -2, 2}, "ga");
  EXPECT_FALSE(real.ok());
  EXPECT_NE(real.message().find("mutation 'reset' needs an integer segment, this one is real"),
            std::string::npos)
      << real.message();
  EXPECT_FALSE(ValidateMutation(m, Segment{"class", GeneKind::kBool, 4, 0, 1}, "ga").ok());
}

TEST(SamplerTest, EachSamplerStaysInItsSegmentWithTheRightLaw) {
  Rng rng(40);
  const int n = 100000;
  std::vector<double> v(n);

  Segment real{"z", GeneKind::kReal, n, -10.0, 10.0};
  SamplerConfig normal{SamplerKind::kNormal};
  SampleSegment(normal, real, rng, v);
  double s1 = 0, s2 = 0;
  for (double x : v) s1 += x, s2 += x * x;
  EXPECT_NEAR(s1 / n, 0.0, 0.02);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);

  Segment z{"z", GeneKind::kReal, n, -2.0, 2.0};
  SamplerConfig trunc{SamplerKind::kTruncatedNormal};
  SampleSegment(trunc, z, rng, v);
  for (double x : v) ASSERT_TRUE(x >= -2.0 && x <= 2.0);

  Segment ints{"t", GeneKind::kInteger, n, 0.0, 4.0};
  SampleSegment(SamplerConfig{}, ints, rng, v);
  std::vector<int> counts(5, 0);
  for (double x : v) {
    ASSERT_EQ(x, std::floor(x));
    ++counts[static_cast<int>(x)];
  }
  for (int c : counts) EXPECT_NEAR(c / static_cast<double>(n), 0.2, 0.01);

  Segment bools{"c", GeneKind::kBool, n, 0, 1};
  SamplerConfig bern{SamplerKind::kBernoulli};
  bern.p = 0.005;
  SampleSegment(bern, bools, rng, v);
  int ones = 0;
  for (double x : v) {
    ASSERT_TRUE(x == 0.0 || x == 1.0);
    ones += x == 1.0;
  }
  EXPECT_NEAR(ones / static_cast<double>(n), 0.005, 0.001);
}

TEST(SamplerTest, ValidationRejectsMismatchedKinds) {
  Segment bools{"c", GeneKind::kBool, 3, 0, 1};
  EXPECT_FALSE(ValidateSampler(SamplerConfig{SamplerKind::kNormal}, bools, "s").ok());
  Segment real{"z", GeneKind::kReal, 3, -1, 1};
  EXPECT_FALSE(ValidateSampler(SamplerConfig{SamplerKind::kBernoulli}, real, "s").ok());
  SamplerConfig far{SamplerKind::kTruncatedNormal};
  far.low = 8.0;
  far.high = 9.0;
  EXPECT_FALSE(ValidateSampler(far, real, "s").ok());
}

GaConfig MixedConfig() {
  StatusOr<GaConfig> c = PaperPreset("DeepMindBigGAN256", Fidelity::kFaithful);
  EXPECT_TRUE(c.ok());
  return *c;
}

Population SamplePopulation(const GaConfig& c, Rng& rng) {
  Population pop(c.space.num_genes(), c.num_objectives);
  const std::vector<double> x = SampleInitial(c, rng);
  const int g = c.space.num_genes();
  for (size_t i = 0; i * g < x.size(); ++i) {
    const double f[1] = {rng.Uniform()};
    pop.Append(i, std::span<const double>(x.data() + i * g, g), f);
  }
  return pop;
}

TEST(MatingTest, JointGateCrossesAllSegmentsOrNone) {
  GaConfig c = MixedConfig();
  for (auto& ops : c.operators) ops.mutation.kind = MutationKind::kNone;
  Rng rng(50);
  const Population pop = SamplePopulation(c, rng);
  for (double gate : {0.0, 1.0}) {
    c.joint_crossover_prob = gate;
    const std::vector<int> parents = {0, 1, 2, 3};
    const std::vector<double> kids = Recombine(c, pop, parents, rng);
    const int g = pop.num_genes;
    // Children 0 and 2 come from mating 0 (parents 0 and 1).
    const bool same = std::equal(kids.begin(), kids.begin() + g, pop.x(0).begin());
    EXPECT_EQ(same, gate == 0.0);
  }
}

TEST(MatingTest, PerSegmentGatesAreIndependent) {
  GaConfig c = MixedConfig();
  c.joint_crossover_prob.reset();
  for (auto& ops : c.operators) ops.mutation.kind = MutationKind::kNone;
  c.operators[0].crossover.prob = 1.0;  // reals always crossed
  c.operators[1].crossover.prob = 0.0;  // bools never
  Rng rng(51);
  const Population pop = SamplePopulation(c, rng);
  const std::vector<int> parents = {0, 1};
  const std::vector<double> kids = Recombine(c, pop, parents, rng);
  EXPECT_FALSE(std::equal(kids.begin(), kids.begin() + 128, pop.x(0).begin()));
  EXPECT_TRUE(std::equal(kids.begin() + 128, kids.begin() + 1128, pop.x(0).begin() + 128));
}

TEST(MatingTest, OffspringAreValidAndFreeOfDuplicates) {
  for (const char* name : {"DeepMindBigGAN256", "GPT2", "StyleGAN2_ffhq_d"}) {
    StatusOr<GaConfig> c = PaperPreset(name, Fidelity::kFaithful);
    ASSERT_TRUE(c.ok());
    Rng rng(52);
    Population pop = SamplePopulation(*c, rng);
    if (c->num_objectives == 2) {
      pop.objectives.resize(2 * pop.size(), 0.5);
      for (size_t i = 0; i < pop.objectives.size(); ++i) pop.objectives[i] = rng.Uniform();
    }
    const std::vector<double> off = MakeOffspring(*c, pop, c->pop_size, rng);
    const int g = pop.num_genes;
    ASSERT_EQ(off.size(), static_cast<size_t>(c->pop_size) * g) << name;
    const std::span<const double> others[] = {pop.genes};
    EXPECT_EQ(NonDuplicateRows(off, g, others, 1e-16).size(), static_cast<size_t>(c->pop_size));
    for (int i = 0; i < c->pop_size; ++i) {
      Status st = CheckGenome(c->space, std::span<const double>(off.data() + i * g, g));
      ASSERT_TRUE(st.ok()) << name << ": " << st.ToString();
    }
  }
}

TEST(DuplicatesTest, FollowsPymooOrderAndEpsilon) {
  // Rows: a, a (dup of earlier), b, c (dup of other), a + 1e-17 (within eps of a).
  const std::vector<double> cand = {0, 0, 0, 0, 1, 1, 2, 2, 1e-17, 0};
  const std::vector<double> other = {2, 2};
  const std::span<const double> others[] = {other};
  EXPECT_EQ(NonDuplicateRows(cand, 2, others, 1e-16), (std::vector<int>{0, 2}));
  EXPECT_EQ(NonDuplicateRows(cand, 2, {}, 0.0), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(IsNearDuplicate(std::vector<double>{0, 1e-15}, std::vector<double>{0, 0}, 1e-16));
}

}  // namespace
}  // namespace clipglass::ga
