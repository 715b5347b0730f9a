#include "coordinator/ga/island_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "coordinator/ga/presets.h"
#include "coordinator/ga/problems.h"
#include "coordinator/ga/survival.h"
#include "tests/coordinator/ga/ga_test_util.h"

namespace clipglass::ga {
namespace {

using testing::Drive;
using testing::DriveOptions;

GaConfig Config(const Problem& p, AlgorithmKind kind, int pop, int gens) {
  GaConfig c = BenchmarkConfig(p, kind, pop);
  c.max_generations = gens;
  return c;
}

TEST(IslandModelTest, OneIslandIsExactlyThePlainAlgorithm) {
  for (const char* name : {"zdt2", "rastrigin"}) {
    Problem p = *MakeProblem(name, 8);
    const AlgorithmKind kind = p.num_objectives == 2 ? AlgorithmKind::kNsga2 : AlgorithmKind::kGa;
    const GaConfig c = Config(p, kind, 12, 15);
    StatusOr<Algorithm> plain = Algorithm::Create(c, 1234);
    ASSERT_TRUE(plain.ok());
    Drive(*plain, p);
    // Migration settings must not matter with a single island.
    StatusOr<IslandModel> one =
        IslandModel::Create(c, IslandConfig{1, 2, 3, Topology::kRing}, 1234);
    ASSERT_TRUE(one.ok());
    DriveOptions opt;
    opt.batch = 5;
    Drive(*one, p, opt);
    EXPECT_EQ(one->island(0).Export(), plain->Export()) << name;
  }
}

std::multiset<std::vector<double>> GenomeSet(const Population& pop) {
  std::multiset<std::vector<double>> s;
  for (int i = 0; i < pop.size(); ++i)
    s.insert(std::vector<double>(pop.x(i).begin(), pop.x(i).end()));
  return s;
}

// Tells every outstanding genome of `island` (asked earlier into `pending`).
void TellIsland(IslandModel& model, const Problem& p, std::vector<Candidate>& pending, int island) {
  std::vector<Candidate> keep;
  for (Candidate& c : pending) {
    if (model.IslandOf(c.id) == island) {
      ASSERT_TRUE(model.Tell(c.id, p.Evaluate(c.genes)).ok());
    } else {
      keep.push_back(std::move(c));
    }
  }
  pending = std::move(keep);
}

TEST(IslandModelTest, MigrationMovesTheSourcesBestInPlaceOfTheWorstAndWaits) {
  for (AlgorithmKind kind : {AlgorithmKind::kGa, AlgorithmKind::kNsga2}) {
    Problem p = *MakeProblem(kind == AlgorithmKind::kGa ? "sphere" : "zdt1", 8);
    const int migrants = 3;
    StatusOr<IslandModel> model = IslandModel::Create(
        Config(p, kind, 10, 6), IslandConfig{2, 2, migrants, Topology::kRing}, 9);
    ASSERT_TRUE(model.ok());
    // Generation 1 on both islands.
    std::vector<Candidate> pending = model->Ask(1000);
    TellIsland(*model, p, pending, 0);
    TellIsland(*model, p, pending, 1);
    ASSERT_EQ(model->island(0).generation(), 1);
    // Generation 2 (a migration generation): island 0 first. It must wait for island 1.
    pending = model->Ask(1000);
    TellIsland(*model, p, pending, 0);
    ASSERT_EQ(model->island(0).generation(), 2);
    ASSERT_EQ(model->island(0).phase(), Phase::kAwaitingImmigrants);
    EXPECT_TRUE(model->Ask(1000).empty());  // island 1's batch is already out; island 0 waits
    const Population before0 = model->island(0).population();
    const std::vector<Member> best0 = model->island(0).Emigrants(migrants);
    // Island 1 reaches generation 2: both migrations happen.
    const int island1_gen_before = model->island(1).generation();
    ASSERT_EQ(island1_gen_before, 1);
    // Capture island 1's population at generation 2 just before its migration: replay its state.
    IslandModelState snap = model->Export();
    TellIsland(*model, p, pending, 1);
    ASSERT_EQ(model->island(1).generation(), 2);
    EXPECT_EQ(model->island(0).phase(), Phase::kEvaluating);
    EXPECT_EQ(model->island(1).phase(), Phase::kEvaluating);

    // Recompute island 1's population at generation 2 without migration, from the snapshot.
    StatusOr<Algorithm> alone = Algorithm::Restore(model->island(1).config(), snap.islands[1]);
    ASSERT_TRUE(alone.ok());
    std::vector<Candidate> rest = alone->Ask(1000);
    for (const Candidate& c : rest) ASSERT_TRUE(alone->Tell(c.id, p.Evaluate(c.genes)).ok());
    ASSERT_EQ(alone->phase(), Phase::kAwaitingImmigrants);
    const Population before1 = alone->population();
    const std::vector<Member> best1 = alone->Emigrants(migrants);

    // Island 0 = its population minus its worst 3, plus island 1's best 3 (and vice versa).
    for (auto [dest_before, incoming, dest] :
         {std::tuple{&before0, &best1, 0}, std::tuple{&before1, &best0, 1}}) {
      const std::vector<int> order = QualityOrder(kind, *dest_before);
      std::multiset<std::vector<double>> expected;
      for (size_t j = 0; j + migrants < order.size(); ++j) {
        expected.insert(
            std::vector<double>(dest_before->x(order[j]).begin(), dest_before->x(order[j]).end()));
      }
      for (const Member& m : *incoming) expected.insert(m.genes);
      EXPECT_EQ(GenomeSet(model->island(dest).population()), expected)
          << AlgorithmKindName(kind) << " island " << dest;
    }
  }
}

TEST(IslandModelTest, ResultDoesNotDependOnScheduling) {
  Problem p = *MakeProblem("zdt3", 10);
  const GaConfig c = Config(p, AlgorithmKind::kNsga2, 12, 14);
  for (Topology topo : {Topology::kRing, Topology::kRandom}) {
    const IslandConfig ic{4, 3, 2, topo};
    StatusOr<IslandModel> a = IslandModel::Create(c, ic, 77);
    StatusOr<IslandModel> b = IslandModel::Create(c, ic, 77);
    ASSERT_TRUE(a.ok() && b.ok());
    Drive(*a, p);
    DriveOptions chaotic;
    chaotic.batch = 3;
    chaotic.shuffle_seed = 5;
    Drive(*b, p, chaotic);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(a->island(i).Export(), b->island(i).Export());
    EXPECT_EQ(a->evaluations(), b->evaluations());
  }
}

TEST(IslandModelTest, RandomTopologyIsASeededCycleWithoutSelfLoops) {
  Problem p = *MakeProblem("sphere", 4);
  const GaConfig c = Config(p, AlgorithmKind::kGa, 8, 5);
  StatusOr<IslandModel> m = IslandModel::Create(c, IslandConfig{5, 1, 1, Topology::kRandom}, 3);
  StatusOr<IslandModel> same = IslandModel::Create(c, IslandConfig{5, 1, 1, Topology::kRandom}, 3);
  ASSERT_TRUE(m.ok() && same.ok());
  std::set<std::vector<int>> patterns;
  for (int g = 1; g <= 20; ++g) {
    std::vector<int> src(5);
    for (int d = 0; d < 5; ++d) {
      src[d] = m->SourceOf(d, g);
      EXPECT_NE(src[d], d);
      EXPECT_EQ(src[d], same->SourceOf(d, g));
    }
    // Following sources from island 0 visits every island: a single cycle.
    std::set<int> seen;
    for (int i = 0, at = 0; i < 5; ++i, at = src[at]) seen.insert(at);
    EXPECT_EQ(seen.size(), 5u);
    patterns.insert(src);
  }
  EXPECT_GT(patterns.size(), 5u);
  EXPECT_EQ(m->SourceOf(0, 1), m->SourceOf(0, 1));
}

TEST(IslandModelTest, ExportRestoreWithIslandsInDifferentPhases) {
  Problem p = *MakeProblem("zdt1", 8);
  const GaConfig c = Config(p, AlgorithmKind::kNsga2, 10, 12);
  const IslandConfig ic{3, 2, 2, Topology::kRandom};
  StatusOr<IslandModel> full = IslandModel::Create(c, ic, 5);
  ASSERT_TRUE(full.ok());
  Drive(*full, p);
  for (int64_t stop : {int64_t{30 + 17}, int64_t{30 * 3 + 11}, int64_t{200}}) {
    StatusOr<IslandModel> part = IslandModel::Create(c, ic, 5);
    ASSERT_TRUE(part.ok());
    DriveOptions opt;
    opt.batch = 4;
    opt.max_tells = stop;
    Drive(*part, p, opt);
    const IslandModelState saved = part->Export();
    StatusOr<IslandModel> resumed = IslandModel::Restore(c, ic, 5, saved);
    ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
    EXPECT_EQ(resumed->Export(), saved);
    Drive(*resumed, p);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(resumed->island(i).Export(), full->island(i).Export());
  }
}

// Regression: an island waiting for immigrants right after the initial population (interval 1)
// exported a state that Restore rejected.
TEST(IslandModelTest, RestoreWhileWaitingAtGenerationOne) {
  Problem p = *MakeProblem("sphere", 4);
  const GaConfig c = Config(p, AlgorithmKind::kGa, 6, 4);
  const IslandConfig ic{2, 1, 1, Topology::kRing};
  StatusOr<IslandModel> full = IslandModel::Create(c, ic, 2);
  ASSERT_TRUE(full.ok());
  Drive(*full, p);
  StatusOr<IslandModel> part = IslandModel::Create(c, ic, 2);
  ASSERT_TRUE(part.ok());
  std::vector<Candidate> pending = part->Ask(1000);
  TellIsland(*part, p, pending, 0);
  ASSERT_EQ(part->island(0).phase(), Phase::kAwaitingImmigrants);
  StatusOr<IslandModel> resumed = IslandModel::Restore(c, ic, 2, part->Export());
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  Drive(*resumed, p);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(resumed->island(i).Export(), full->island(i).Export());
}

TEST(IslandModelTest, GlobalIdsRouteToTheirIsland) {
  Problem p = *MakeProblem("sphere", 4);
  StatusOr<IslandModel> m =
      IslandModel::Create(Config(p, AlgorithmKind::kGa, 6, 3), IslandConfig{3, 0, 1}, 1);
  ASSERT_TRUE(m.ok());
  std::vector<Candidate> all = m->Ask(1000);
  EXPECT_EQ(all.size(), 18u);
  std::set<uint64_t> ids;
  for (const Candidate& c : all) {
    ids.insert(c.id);
    EXPECT_EQ(c.island, m->IslandOf(c.id));
    EXPECT_EQ(c.generation, 1);
  }
  EXPECT_EQ(ids.size(), 18u);
  EXPECT_FALSE(m->Tell(1000 * 3 + 1, std::vector<double>{1.0}).ok());
  EXPECT_FALSE(
      IslandModel::Create(Config(p, AlgorithmKind::kGa, 6, 3), IslandConfig{0, 0, 1}, 1).ok());
  EXPECT_FALSE(
      IslandModel::Create(Config(p, AlgorithmKind::kGa, 6, 3), IslandConfig{2, 1, 7}, 1).ok());
}

}  // namespace
}  // namespace clipglass::ga
