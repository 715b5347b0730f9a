// Compares two sweep records on everything that must be deterministic: states, per-generation
// statistics (not wall time), snapshots, Pareto fronts and final individuals, bit for bit.
#pragma once

#include <gtest/gtest.h>

#include <cmath>

#include "results/archive.h"

namespace clipglass::testing {

inline bool SameDouble(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

inline void ExpectSamePopulation(const results::Population& a, const results::Population& b,
                                 const std::string& where) {
  EXPECT_EQ(a.generation, b.generation) << where;
  EXPECT_EQ(a.genomes, b.genomes) << where;
  EXPECT_EQ(a.values, b.values) << where;
  EXPECT_EQ(a.island, b.island) << where;
}

inline void ExpectSameResults(const results::SweepRecord& a, const results::SweepRecord& b) {
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (size_t r = 0; r < a.runs.size(); ++r) {
    const results::RunRecord& x = a.runs[r];
    const results::RunRecord& y = b.runs[r];
    const std::string where = "run " + x.id;
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.state, y.state) << where;
    EXPECT_EQ(x.generations_done, y.generations_done) << where;
    ASSERT_EQ(x.stats.size(), y.stats.size()) << where;
    for (size_t g = 0; g < x.stats.size(); ++g) {
      const auto& s = x.stats[g];
      const auto& t = y.stats[g];
      EXPECT_TRUE(SameDouble(s.best_similarity, t.best_similarity)) << where << " gen " << g;
      EXPECT_TRUE(SameDouble(s.mean_similarity, t.mean_similarity)) << where << " gen " << g;
      EXPECT_TRUE(SameDouble(s.median_similarity, t.median_similarity)) << where;
      EXPECT_TRUE(SameDouble(s.best_discriminator_loss, t.best_discriminator_loss)) << where;
      EXPECT_TRUE(SameDouble(s.hypervolume, t.hypervolume)) << where;
      EXPECT_EQ(s.evaluations, t.evaluations) << where;
    }
    ASSERT_EQ(x.snapshots.size(), y.snapshots.size()) << where;
    for (size_t s = 0; s < x.snapshots.size(); ++s) {
      ExpectSamePopulation(x.snapshots[s], y.snapshots[s], where + " snapshot");
    }
    ASSERT_EQ(x.pareto_front.has_value(), y.pareto_front.has_value()) << where;
    if (x.pareto_front) ExpectSamePopulation(*x.pareto_front, *y.pareto_front, where + " front");
    ASSERT_EQ(x.final_individual.has_value(), y.final_individual.has_value()) << where;
    if (x.final_individual) {
      EXPECT_EQ(x.final_individual->genome, y.final_individual->genome) << where;
      EXPECT_EQ(x.final_individual->objectives, y.final_individual->objectives) << where;
      EXPECT_EQ(x.final_individual->caption, y.final_individual->caption) << where;
      EXPECT_EQ(x.final_individual->image.rgb, y.final_individual->image.rgb) << where;
    }
  }
}

}  // namespace clipglass::testing
