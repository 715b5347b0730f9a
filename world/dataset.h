// Seeded, reproducible samples of the world with a train / held-out split. A fixed set of attribute
// combinations never appears in training (HeldOutCombination), so held-out renders test
// generalisation to unseen combinations, not memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "world/scene.h"

namespace clipglass::world {

enum class Split : uint8_t { kTrain, kHeldOut };

// 24 of the 240 combinations (10%), chosen by a fixed rule, each attribute value still seen in
// training in other combinations.
bool HeldOutCombination(const Attributes& attributes);

// How far a shape's centre stays from the image border (fraction of the side), by size.
float CentreMargin(Size size);

struct Example {
  Scene scene;
  std::string caption;  // one of the templates, chosen by the sample's own randomness
  int template_index = 0;
};

// Example `index` of `split` for `seed`: a pure function of (split, seed, index). Train examples
// come only from non-held-out combinations, held-out examples only from held-out ones.
Example SampleExample(Split split, uint64_t seed, uint64_t index);

// `count` consecutive examples starting at `first`.
std::vector<Example> SampleExamples(Split split, uint64_t seed, uint64_t first, int count);

}  // namespace clipglass::world
