#include "coordinator/grid/suggest.h"

#include <gtest/gtest.h>

namespace clipglass::grid {
namespace {

TEST(EditDistanceTest, CountsEditsAndAdjacentSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("seed", "seed"), 0u);
  EXPECT_EQ(EditDistance("seed", ""), 4u);
  EXPECT_EQ(EditDistance("seed", "sed"), 1u);    // deletion
  EXPECT_EQ(EditDistance("seed", "speed"), 1u);  // insertion
  EXPECT_EQ(EditDistance("seed", "send"), 1u);   // substitution
  EXPECT_EQ(EditDistance("seed", "sede"), 1u);   // adjacent swap
  EXPECT_EQ(EditDistance("sedes", "seed"), 2u);  // swap + deletion
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ClosestMatchTest, SuggestsLikelyTyposOnly) {
  const std::vector<std::string> keys = {"generator", "target",    "discriminator",
                                         "seed",      "overrides", "settings"};
  EXPECT_EQ(ClosestMatch("sedes", keys), "seed");
  EXPECT_EQ(ClosestMatch("generators", keys), "generator");
  EXPECT_EQ(ClosestMatch("discriminater", keys), "discriminator");
  EXPECT_EQ(ClosestMatch("Target", keys), "target");
  EXPECT_EQ(ClosestMatch("population", keys), "");
  EXPECT_EQ(ClosestMatch("xy", keys), "");
  EXPECT_EQ(ClosestMatch("seed", {}), "");
}

TEST(ClosestMatchTest, TiesGoToTheFirstCandidate) {
  EXPECT_EQ(ClosestMatch("cat", {"bat", "hat"}), "bat");
  EXPECT_EQ(ClosestMatch("cat", {"hat", "bat"}), "hat");
}

TEST(DidYouMeanTest, FormatsTheHint) {
  EXPECT_EQ(DidYouMean("sedes", {"seed"}), " (did you mean 'seed'?)");
  EXPECT_EQ(DidYouMean("zzzzzz", {"seed"}), "");
  EXPECT_EQ(JoinNames({"a", "b", "c"}), "a, b, c");
}

}  // namespace
}  // namespace clipglass::grid
