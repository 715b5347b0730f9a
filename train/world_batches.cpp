#include "train/world_batches.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "world/captions.h"
#include "world/render.h"

namespace clipglass::train {

torch::Tensor RenderBatch(const std::vector<world::Example>& examples, int side) {
  const int64_t count = static_cast<int64_t>(examples.size());
  torch::Tensor bytes = torch::empty({count, side, side, 3}, torch::kUInt8);
  for (int64_t i = 0; i < count; ++i) {
    const RgbImage image = world::RenderScene(examples[i].scene, side);
    std::memcpy(bytes[i].data_ptr<uint8_t>(), image.rgb.data(), image.rgb.size());
  }
  return bytes.permute({0, 3, 1, 2}).to(torch::kFloat32).div_(255.0f).contiguous();
}

std::vector<world::Example> ShapeSizeVariants(const world::Example& example, world::Split split) {
  std::vector<world::Example> variants = {example};
  const world::Attributes& base = example.scene.attributes;
  for (int size = 0; size < world::kNumSizes; ++size) {
    for (int shape = 0; shape < world::kNumShapes; ++shape) {
      world::Attributes attributes = base;
      attributes.shape = static_cast<world::Shape>(shape);
      attributes.size = static_cast<world::Size>(size);
      const bool held_out = world::HeldOutCombination(attributes);
      if (attributes == base || held_out != (split == world::Split::kHeldOut)) continue;
      world::Example variant = example;
      variant.scene.attributes = attributes;
      // Keep the shape inside the frame: the sampler's margin depends on the size.
      const float margin = world::CentreMargin(attributes.size);
      variant.scene.centre_x = std::clamp(variant.scene.centre_x, margin, 1.0f - margin);
      variant.scene.centre_y = std::clamp(variant.scene.centre_y, margin, 1.0f - margin);
      variant.caption = world::Caption(attributes, example.template_index);
      variants.push_back(std::move(variant));
    }
  }
  return variants;
}

WorldBatch MakeWorldBatch(world::Split split, uint64_t seed, uint64_t first, int count, int side) {
  return ToWorldBatch(world::SampleExamples(split, seed, first, count), side);
}

WorldBatch ToWorldBatch(const std::vector<world::Example>& examples, int side) {
  WorldBatch batch;
  batch.images = RenderBatch(examples, side);
  for (const world::Example& example : examples) {
    batch.captions.push_back(example.caption);
    batch.attributes.push_back(example.scene.attributes);
  }
  return batch;
}

}  // namespace clipglass::train
