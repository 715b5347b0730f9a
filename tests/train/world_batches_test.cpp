#include "train/world_batches.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "world/captions.h"

namespace clipglass::train {
namespace {

TEST(ShapeSizeVariantsTest, EveryShapeAndSizeOfTheSplitWithTheRestKept) {
  for (world::Split split : {world::Split::kTrain, world::Split::kHeldOut}) {
    for (uint64_t index = 0; index < 40; ++index) {
      const world::Example example = world::SampleExample(split, 11, index);
      const std::vector<world::Example> variants = ShapeSizeVariants(example, split);
      ASSERT_FALSE(variants.empty());
      EXPECT_EQ(variants.front().caption, example.caption);
      std::set<std::pair<world::Shape, world::Size>> seen;
      for (const world::Example& v : variants) {
        const world::Attributes& a = v.scene.attributes;
        EXPECT_TRUE(seen.insert({a.shape, a.size}).second) << "a shape/size pair twice";
        EXPECT_EQ(a.colour, example.scene.attributes.colour);
        EXPECT_EQ(a.background, example.scene.attributes.background);
        EXPECT_EQ(world::HeldOutCombination(a), split == world::Split::kHeldOut);
        EXPECT_EQ(v.template_index, example.template_index);
        EXPECT_EQ(v.caption, world::Caption(a, example.template_index));
        const float margin = world::CentreMargin(a.size);
        EXPECT_GE(v.scene.centre_x, margin);
        EXPECT_LE(v.scene.centre_x, 1.0f - margin);
        EXPECT_EQ(v.scene.rotation, example.scene.rotation);
      }
      // Training examples have 8 variants but for held-out combinations; held-out ones are few.
      if (split == world::Split::kTrain) {
        EXPECT_GE(variants.size(), 6u);
      }
    }
  }
}

TEST(ShapeSizeVariantsTest, ToWorldBatchRendersTheExamples) {
  const world::Example example = world::SampleExample(world::Split::kTrain, 3, 0);
  const std::vector<world::Example> variants = ShapeSizeVariants(example, world::Split::kTrain);
  const WorldBatch batch = ToWorldBatch(variants, 32);
  ASSERT_EQ(batch.images.size(0), static_cast<int64_t>(variants.size()));
  ASSERT_EQ(batch.captions.size(), variants.size());
  // Different shapes or sizes render differently.
  for (size_t i = 1; i < variants.size(); ++i) {
    EXPECT_FALSE(batch.images[0].equal(batch.images[static_cast<int64_t>(i)])) << i;
  }
}

}  // namespace
}  // namespace clipglass::train
