// World samples as training tensors: images as float [B, 3, side, side] in [0, 1] (the same pixels
// a PNG of the render holds), captions as strings.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "world/dataset.h"

namespace clipglass::train {

struct WorldBatch {
  torch::Tensor images;               // float32 [B, 3, side, side], values k / 255
  std::vector<std::string> captions;  // one per image
  std::vector<world::Attributes> attributes;
};

// Examples [first, first + count) of `split` for `seed`, rendered at `side`.
WorldBatch MakeWorldBatch(world::Split split, uint64_t seed, uint64_t first, int count, int side);

// Rendered images of the given examples as one float tensor (see WorldBatch::images).
torch::Tensor RenderBatch(const std::vector<world::Example>& examples, int side);

// Hard negatives for contrastive training: `example` redrawn with every shape and size (itself
// first), keeping its colours, position, rotation, jitter and caption template, and leaving out
// the combinations that `split` does not contain. A random batch of this world rarely holds two
// scenes that differ only in shape; a group of these makes shape carry the loss.
std::vector<world::Example> ShapeSizeVariants(const world::Example& example, world::Split split);

// The examples of a batch as a WorldBatch (rendered at `side`).
WorldBatch ToWorldBatch(const std::vector<world::Example>& examples, int side);

}  // namespace clipglass::train
