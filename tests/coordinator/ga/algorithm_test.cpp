#include "coordinator/ga/algorithm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "coordinator/ga/nondominated.h"
#include "coordinator/ga/presets.h"
#include "coordinator/ga/problems.h"
#include "tests/coordinator/ga/ga_test_util.h"

namespace clipglass::ga {
namespace {

using testing::Drive;
using testing::DriveOptions;

GaConfig Zdt1Config(int pop, int gens) {
  Problem p = *MakeProblem("zdt1", 12);
  GaConfig c = BenchmarkConfig(p, AlgorithmKind::kNsga2, pop);
  c.max_generations = gens;
  return c;
}

GaConfig SphereConfig(int pop, int gens) {
  Problem p = *MakeProblem("sphere", 6);
  GaConfig c = BenchmarkConfig(p, AlgorithmKind::kGa, pop);
  c.max_generations = gens;
  return c;
}

TEST(AlgorithmTest, AskHandsOutTheInitialPopulationOnceWithUniqueIds) {
  StatusOr<Algorithm> a = Algorithm::Create(SphereConfig(20, 5), 1);
  ASSERT_TRUE(a.ok());
  std::vector<Candidate> first = a->Ask(15);
  std::vector<Candidate> rest = a->Ask(100);
  EXPECT_EQ(first.size(), 15u);
  EXPECT_EQ(rest.size(), 5u);
  EXPECT_TRUE(a->Ask(10).empty());
  std::set<uint64_t> ids;
  for (const auto* batch : {&first, &rest}) {
    for (const Candidate& c : *batch) {
      ids.insert(c.id);
      EXPECT_TRUE(CheckGenome(a->config().space, c.genes).ok());
    }
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(a->generation(), 0);
  EXPECT_EQ(a->outstanding(), 20);
}

TEST(AlgorithmTest, TellRejectsUnknownDuplicateStaleAndMalformedResults) {
  Problem p = *MakeProblem("sphere", 6);
  StatusOr<Algorithm> a = Algorithm::Create(SphereConfig(4, 5), 1);
  ASSERT_TRUE(a.ok());
  std::vector<Candidate> batch = a->Ask(10);
  ASSERT_EQ(batch.size(), 4u);
  const std::vector<double> f = p.Evaluate(batch[0].genes);
  EXPECT_FALSE(a->Tell(999, f).ok());
  EXPECT_FALSE(a->Tell(batch[0].id, std::vector<double>{1, 2}).ok());
  EXPECT_FALSE(a->Tell(batch[0].id, std::vector<double>{std::nan("")}).ok());
  ASSERT_TRUE(a->Tell(batch[0].id, f).ok());
  Status dup = a->Tell(batch[0].id, f);
  EXPECT_FALSE(dup.ok());
  EXPECT_NE(dup.message().find("duplicate"), std::string::npos);
  for (size_t i = 1; i < batch.size(); ++i)
    ASSERT_TRUE(a->Tell(batch[i].id, p.Evaluate(batch[i].genes)).ok());
  EXPECT_EQ(a->generation(), 1);
  EXPECT_EQ(a->Ask(1).at(0).generation, 2);
  // A late result for the previous generation is stale.
  EXPECT_FALSE(a->Tell(batch[1].id, f).ok());
  // Infinity is a legal (worst) value.
  std::vector<Candidate> next = a->Ask(1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_TRUE(
      a->Tell(next[0].id, std::vector<double>{std::numeric_limits<double>::infinity()}).ok());
}

TEST(AlgorithmTest, RunsTheConfiguredGenerationsWithPymooCounting) {
  Problem p = *MakeProblem("sphere", 6);
  StatusOr<Algorithm> a = Algorithm::Create(SphereConfig(10, 7), 3);
  ASSERT_TRUE(a.ok());
  const int64_t told = Drive(*a, p);
  EXPECT_TRUE(a->finished());
  EXPECT_EQ(a->generation(), 7);
  EXPECT_EQ(told, 10 + 6 * 10);
  EXPECT_EQ(a->evaluations(), told);
  EXPECT_EQ(a->population().size(), 10);
}

TEST(AlgorithmTest, RandomSearchSpendsTheGaBudgetAndKeepsTheBestSoFar) {
  Problem p = *MakeProblem("sphere", 6);
  GaConfig c = SphereConfig(10, 7);
  c.random_search = true;
  StatusOr<Algorithm> a = Algorithm::Create(c, 3);
  ASSERT_TRUE(a.ok());
  double best = std::numeric_limits<double>::infinity();
  int64_t told = 0;
  for (int gen = 1; gen <= 7; ++gen) {
    DriveOptions opt;
    opt.max_tells = a->outstanding();
    told += Drive(*a, p, opt);
    ASSERT_LE(a->population().f(0)[0], best);
    best = a->population().f(0)[0];
  }
  EXPECT_TRUE(a->finished());
  EXPECT_EQ(told, 10 + 6 * 10);
}

TEST(AlgorithmTest, RandomSearchBatchesAreFreshSamplesNotOffspring) {
  // Offspring of SBX/PM stay near their parents; fresh uniform samples spread over the whole box.
  // After 20 generations on the sphere the GA's batch has collapsed around the optimum, the random
  // search's batch still has the spread of the sampler.
  Problem p = *MakeProblem("sphere", 6);
  auto batch_spread = [&](bool random_search) {
    GaConfig c = SphereConfig(20, 21);
    c.random_search = random_search;
    Algorithm a = *Algorithm::Create(c, 5);
    DriveOptions opt;
    opt.max_tells = 20 * 20;
    Drive(a, p, opt);
    std::vector<Candidate> batch = a.Ask(1000);
    double sum_sq = 0;
    for (const Candidate& cand : batch) {
      for (double x : cand.genes) sum_sq += x * x;
    }
    return sum_sq / static_cast<double>(batch.size());
  };
  const double ga = batch_spread(false);
  const double random = batch_spread(true);
  EXPECT_GT(random, 4.0 * ga) << "ga " << ga << " random " << random;
}

TEST(AlgorithmTest, GaBeatsRandomSearchAtEqualBudget) {
  Problem p = *MakeProblem("rastrigin", 10);
  auto best_of = [&](bool random_search, uint64_t seed) {
    GaConfig c = BenchmarkConfig(p, AlgorithmKind::kGa, 20);
    c.max_generations = 50;
    c.random_search = random_search;
    Algorithm a = *Algorithm::Create(c, seed);
    Drive(a, p);
    return a.population().f(0)[0];
  };
  for (uint64_t seed : {1, 2, 3}) {
    EXPECT_LT(best_of(false, seed), best_of(true, seed)) << "seed " << seed;
  }
}

TEST(AlgorithmTest, GaSurvivalIsElitist) {
  Problem p = *MakeProblem("rastrigin", 6);
  GaConfig c = BenchmarkConfig(p, AlgorithmKind::kGa, 12);
  StatusOr<Algorithm> a = Algorithm::Create(c, 4);
  ASSERT_TRUE(a.ok());
  double best = std::numeric_limits<double>::infinity();
  for (int gen = 1; gen <= 30; ++gen) {
    DriveOptions opt;
    opt.max_tells = a->outstanding();
    Drive(*a, p, opt);
    ASSERT_EQ(a->generation(), gen);
    const Population& pop = a->population();
    ASSERT_TRUE(std::is_sorted(pop.objectives.begin(), pop.objectives.end()));
    ASSERT_LE(pop.f(0)[0], best);
    best = pop.f(0)[0];
  }
}

TEST(AlgorithmTest, NsgaPopulationCarriesConsistentRanks) {
  Problem p = *MakeProblem("zdt1", 12);
  StatusOr<Algorithm> a = Algorithm::Create(Zdt1Config(20, 10), 5);
  ASSERT_TRUE(a.ok());
  Drive(*a, p);
  const Population& pop = a->population();
  for (int i = 0; i < pop.size(); ++i) {
    for (int j = 0; j < pop.size(); ++j) {
      if (Dominance(pop.f(i), pop.f(j)) == 1) {
        EXPECT_LT(pop.rank[i], pop.rank[j]);
      }
    }
  }
}

AlgorithmState RunState(const GaConfig& c, uint64_t seed, const Problem& p, DriveOptions opt = {}) {
  StatusOr<Algorithm> a = Algorithm::Create(c, seed);
  EXPECT_TRUE(a.ok());
  Drive(*a, p, opt);
  return a->Export();
}

TEST(AlgorithmTest, SameSeedSameBitsDifferentSeedDifferentPopulation) {
  Problem p = *MakeProblem("zdt1", 12);
  const GaConfig c = Zdt1Config(16, 15);
  const AlgorithmState a = RunState(c, 7, p);
  const AlgorithmState b = RunState(c, 7, p);
  const AlgorithmState other = RunState(c, 8, p);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.population.genes, other.population.genes);
}

TEST(AlgorithmTest, OrderOfArrivalDoesNotMatter) {
  for (const GaConfig& c : {Zdt1Config(16, 12), SphereConfig(16, 12)}) {
    Problem p = *MakeProblem(c.num_objectives == 2 ? "zdt1" : "sphere", c.space.num_genes());
    const AlgorithmState in_order = RunState(c, 11, p);
    DriveOptions shuffled;
    shuffled.batch = 5;
    shuffled.shuffle_seed = 99;
    EXPECT_EQ(RunState(c, 11, p, shuffled), in_order);
  }
}

TEST(AlgorithmTest, MaximizedObjectivesAreStoredNegated) {
  Problem p = *MakeProblem("sphere", 6);
  GaConfig c = SphereConfig(10, 6);
  const AlgorithmState minimized = RunState(c, 2, p);
  c.directions = {Direction::kMaximize};
  DriveOptions negate;
  negate.negate = true;  // tell -sphere, maximised: the engine works on sphere again
  EXPECT_EQ(RunState(c, 2, p, negate), minimized);
}

TEST(AlgorithmTest, ExportRestoreMidGenerationContinuesBitForBit) {
  Problem p = *MakeProblem("zdt1", 12);
  const GaConfig c = Zdt1Config(16, 20);
  const AlgorithmState uninterrupted = RunState(c, 21, p);
  // Stop inside generation 6's batch (some results told, some outstanding), checkpoint, resume.
  for (int64_t stop : {16 + 5 * 16 + 7, 16 + 5 * 16, 3}) {
    StatusOr<Algorithm> a = Algorithm::Create(c, 21);
    ASSERT_TRUE(a.ok());
    DriveOptions first;
    first.batch = 4;
    first.max_tells = stop;
    Drive(*a, p, first);
    const AlgorithmState saved = a->Export();
    StatusOr<Algorithm> resumed = Algorithm::Restore(c, saved);
    ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
    EXPECT_EQ(resumed->Export(), saved);
    Drive(*resumed, p);
    EXPECT_EQ(resumed->Export(), uninterrupted) << "stopped after " << stop;
  }
}

TEST(AlgorithmTest, RestoreRejectsAStateFromAnotherConfig) {
  Problem p = *MakeProblem("zdt1", 12);
  const AlgorithmState s = RunState(Zdt1Config(16, 3), 1, p);
  GaConfig other = Zdt1Config(16, 3);
  other.space.segments[0].size = 11;
  EXPECT_FALSE(Algorithm::Restore(other, s).ok());
  AlgorithmState zero_rng = s;
  zero_rng.rng = RngState{};
  EXPECT_FALSE(Algorithm::Restore(Zdt1Config(16, 3), zero_rng).ok());
  AlgorithmState bad_gene = s;
  bad_gene.population.genes[0] = 7.0;  // outside [0, 1]
  EXPECT_FALSE(Algorithm::Restore(Zdt1Config(16, 3), bad_gene).ok());
}

TEST(AlgorithmTest, ExhaustedSearchSpaceFinishesInsteadOfLooping) {
  // Two bool genes: only four genomes exist, all in the initial population (pop 8 -> 4 unique).
  GaConfig c;
  c.algorithm = AlgorithmKind::kGa;
  c.space.segments = {Segment{"b", GeneKind::kBool, 2, 0, 1}};
  SegmentOperators ops;
  ops.sampler.kind = SamplerKind::kUniform;
  ops.crossover = CrossoverConfig{CrossoverKind::kHux, 1.0, 0, 0};
  ops.mutation = MutationConfig{MutationKind::kBitFlip, 0, 0.5};
  c.operators = {ops};
  c.pop_size = 64;
  StatusOr<Algorithm> a = Algorithm::Create(c, 1);
  ASSERT_TRUE(a.ok());
  std::vector<Candidate> all = a->Ask(1000);
  EXPECT_EQ(all.size(), 4u);  // duplicates of the initial sample removed, as pymoo does
  for (const Candidate& cand : all) {
    ASSERT_TRUE(a->Tell(cand.id, std::vector<double>{cand.genes[0] + 2 * cand.genes[1]}).ok());
  }
  EXPECT_TRUE(a->finished());
  EXPECT_EQ(a->generation(), 1);
}

TEST(AlgorithmTest, PresetsProduceValidGenomesThroughGenerations) {
  for (const char* name : {"GPT2", "DeepMindBigGAN512", "StyleGAN2_car_d"}) {
    StatusOr<GaConfig> c = PaperPreset(name, Fidelity::kFaithful);
    ASSERT_TRUE(c.ok());
    c->max_generations = 4;
    StatusOr<Algorithm> a = Algorithm::Create(*c, 5);
    ASSERT_TRUE(a.ok());
    while (!a->finished()) {
      for (const Candidate& cand : a->Ask(1000)) {
        ASSERT_TRUE(CheckGenome(c->space, cand.genes).ok()) << name;
        // A stand-in for CLIP similarity and discriminator loss.
        double s = 0;
        for (double v : cand.genes) s += std::sin(v);
        std::vector<double> f = {s};
        if (c->num_objectives == 2) f.push_back(std::fabs(cand.genes[0]));
        ASSERT_TRUE(a->Tell(cand.id, f).ok());
      }
    }
    EXPECT_EQ(a->population().size(), c->pop_size) << name;
  }
}

}  // namespace
}  // namespace clipglass::ga
