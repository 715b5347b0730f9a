#include "world/dataset.h"

#include <gtest/gtest.h>

#include <set>

#include "world/captions.h"

namespace clipglass::world {
namespace {

TEST(DatasetTest, CombinationIndexRoundTrips) {
  std::set<int> seen;
  for (int i = 0; i < kNumCombinations; ++i) {
    const Attributes a = CombinationAt(i);
    EXPECT_NE(a.colour, a.background) << i;
    EXPECT_EQ(CombinationIndex(a), i);
    seen.insert(CombinationIndex(a));
  }
  EXPECT_EQ(static_cast<int>(seen.size()), 240);
  EXPECT_EQ(kNumCombinations, 240);
}

TEST(DatasetTest, TwentyFourHeldOutCombinationsEveryValueStillTrained) {
  int held = 0;
  std::set<int> shapes, colours, backgrounds, sizes;
  for (int i = 0; i < kNumCombinations; ++i) {
    const Attributes a = CombinationAt(i);
    if (HeldOutCombination(a)) {
      ++held;
      continue;
    }
    shapes.insert(static_cast<int>(a.shape));
    colours.insert(static_cast<int>(a.colour));
    backgrounds.insert(static_cast<int>(a.background));
    sizes.insert(static_cast<int>(a.size));
  }
  EXPECT_EQ(held, 24);
  EXPECT_EQ(static_cast<int>(shapes.size()), kNumShapes);
  EXPECT_EQ(static_cast<int>(colours.size()), kNumColours);
  EXPECT_EQ(static_cast<int>(backgrounds.size()), kNumColours);
  EXPECT_EQ(static_cast<int>(sizes.size()), kNumSizes);
}

TEST(DatasetTest, SplitsAreDisjointAndCoverTheirCombinations) {
  std::set<int> train, held_out;
  for (uint64_t seed : {0u, 1u, 99u}) {
    for (int i = 0; i < 2000; ++i) {
      const Example t = SampleExample(Split::kTrain, seed, i);
      const Example h = SampleExample(Split::kHeldOut, seed, i);
      ASSERT_FALSE(HeldOutCombination(t.scene.attributes)) << "train example " << i;
      ASSERT_TRUE(HeldOutCombination(h.scene.attributes)) << "held-out example " << i;
      train.insert(CombinationIndex(t.scene.attributes));
      held_out.insert(CombinationIndex(h.scene.attributes));
    }
  }
  for (int c : train) EXPECT_EQ(held_out.count(c), 0u) << c;
  EXPECT_EQ(static_cast<int>(train.size()), 216);
  EXPECT_EQ(static_cast<int>(held_out.size()), 24);
}

TEST(DatasetTest, ExamplesArePureFunctionsOfSplitSeedIndex) {
  const std::vector<Example> run = SampleExamples(Split::kTrain, 5, 10, 20);
  ASSERT_EQ(run.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    const Example alone = SampleExample(Split::kTrain, 5, 10 + i);
    EXPECT_EQ(alone.scene.attributes, run[i].scene.attributes);
    EXPECT_EQ(alone.scene.centre_x, run[i].scene.centre_x);
    EXPECT_EQ(alone.scene.rotation, run[i].scene.rotation);
    EXPECT_EQ(alone.caption, run[i].caption);
  }
  // Different seeds give different samples.
  int same = 0;
  for (int i = 0; i < 50; ++i) {
    same += SampleExample(Split::kTrain, 1, i).scene.centre_x ==
            SampleExample(Split::kTrain, 2, i).scene.centre_x;
  }
  EXPECT_LT(same, 5);
}

TEST(DatasetTest, CaptionsDescribeTheirScenes) {
  std::set<int> templates;
  for (int i = 0; i < 500; ++i) {
    const Example e = SampleExample(i % 2 ? Split::kTrain : Split::kHeldOut, 11, i);
    EXPECT_EQ(e.caption, Caption(e.scene.attributes, e.template_index));
    EXPECT_TRUE(ParseCaption(e.caption).Matches(e.scene.attributes)) << e.caption;
    EXPECT_GE(e.scene.scale_jitter, 0.85f);
    EXPECT_LE(e.scene.scale_jitter, 1.15f);
    EXPECT_GE(e.scene.centre_x, 0.0f);
    EXPECT_LE(e.scene.centre_x, 1.0f);
    templates.insert(e.template_index);
  }
  EXPECT_EQ(static_cast<int>(templates.size()), kNumTemplates);
}

}  // namespace
}  // namespace clipglass::world
