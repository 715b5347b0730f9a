#include "bench/quality_targets.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

namespace clipglass::bench {
namespace {

using world::Attributes;
using world::Split;

std::pair<int, int> ShapeColour(const Attributes& a) {
  return {static_cast<int>(a.shape), static_cast<int>(a.colour)};
}

TEST(PickCombinationsTest, FirstFourShareNoShapeOrColour) {
  for (const Split split : {Split::kHeldOut, Split::kTrain}) {
    const std::vector<Attributes> picks = PickCombinations(split, 4);
    ASSERT_EQ(picks.size(), 4u);
    std::set<int> shapes;
    std::set<int> colours;
    for (const Attributes& a : picks) {
      EXPECT_EQ(world::HeldOutCombination(a), split == Split::kHeldOut);
      shapes.insert(static_cast<int>(a.shape));
      colours.insert(static_cast<int>(a.colour));
    }
    EXPECT_EQ(shapes.size(), 4u);
    EXPECT_EQ(colours.size(), 4u);
  }
}

TEST(PickCombinationsTest, LargerSetsStartWithTheSmallerOnes) {
  for (const Split split : {Split::kHeldOut, Split::kTrain}) {
    const std::vector<Attributes> four = PickCombinations(split, 4);
    const std::vector<Attributes> eight = PickCombinations(split, 8);
    ASSERT_EQ(eight.size(), 8u);
    for (size_t i = 0; i < four.size(); ++i) {
      EXPECT_EQ(world::CombinationIndex(eight[i]), world::CombinationIndex(four[i])) << i;
    }
  }
}

TEST(PickCombinationsTest, EightSpreadOverShapesAndColours) {
  for (const Split split : {Split::kHeldOut, Split::kTrain}) {
    const std::vector<Attributes> picks = PickCombinations(split, 8);
    std::map<int, int> per_shape;
    std::map<int, int> per_colour;
    std::set<std::pair<int, int>> pairs;
    for (const Attributes& a : picks) {
      EXPECT_EQ(world::HeldOutCombination(a), split == Split::kHeldOut);
      ++per_shape[static_cast<int>(a.shape)];
      ++per_colour[static_cast<int>(a.colour)];
      EXPECT_TRUE(pairs.insert(ShapeColour(a)).second) << "a (shape, colour) pair repeats";
    }
    for (const auto& [shape, count] : per_shape) EXPECT_EQ(count, 2) << "shape " << shape;
    for (const auto& [colour, count] : per_colour) EXPECT_LE(count, 2) << "colour " << colour;
  }
}

TEST(PickCombinationsTest, AskingForMoreThanTheSplitHoldsStopsWithDistinctPairs) {
  const std::vector<Attributes> picks = PickCombinations(Split::kHeldOut, 1000);
  std::set<std::pair<int, int>> pairs;
  for (const Attributes& a : picks) {
    EXPECT_TRUE(world::HeldOutCombination(a));
    EXPECT_TRUE(pairs.insert(ShapeColour(a)).second);
  }
  EXPECT_GT(picks.size(), 8u);
  EXPECT_LE(picks.size(), 24u);  // the held-out split has 24 combinations
}

}  // namespace
}  // namespace clipglass::bench
