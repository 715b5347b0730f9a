#include "train/world_batches.h"

#include <torch/torch.h>

#include <cstring>

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

WorldBatch MakeWorldBatch(world::Split split, uint64_t seed, uint64_t first, int count, int side) {
  WorldBatch batch;
  const std::vector<world::Example> examples = world::SampleExamples(split, seed, first, count);
  batch.images = RenderBatch(examples, side);
  for (const world::Example& example : examples) {
    batch.captions.push_back(example.caption);
    batch.attributes.push_back(example.scene.attributes);
  }
  return batch;
}

}  // namespace clipglass::train
