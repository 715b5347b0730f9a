// The quality benchmark's targets, shared by the programs that look at the same searches
// (quality_bench, img2txt_landscape, txt2img_landscape) so that their figures are comparable.
#pragma once

#include <cstdint>
#include <vector>

#include "world/dataset.h"
#include "world/scene.h"

namespace clipglass::bench {

// World seed of the image-to-text target renders (no trainer uses it).
inline constexpr uint64_t kTargetRenderSeed = 7301;

// The text-to-image targets: the first `count` combinations of `split`, spread over shapes and
// colours (combination indices visited with a stride coprime to 240, and no two picks share a
// shape or a colour, so at most 4). Captioned with template 0.
inline std::vector<world::Attributes> PickCombinations(world::Split split, int count) {
  std::vector<world::Attributes> out;
  for (int k = 0; k < world::kNumCombinations && static_cast<int>(out.size()) < count; ++k) {
    const world::Attributes a = world::CombinationAt((k * 97 + 13) % world::kNumCombinations);
    if (world::HeldOutCombination(a) != (split == world::Split::kHeldOut)) continue;
    bool repeats = false;
    for (const world::Attributes& b : out) repeats |= b.shape == a.shape || b.colour == a.colour;
    if (!repeats) out.push_back(a);
  }
  return out;
}

}  // namespace clipglass::bench
