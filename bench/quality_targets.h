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
// colours. Combination indices are visited with a stride coprime to 240, in rounds: round r
// accepts a combination whose shape and colour have each been picked fewer than r times and
// whose (shape, colour) pair has not been picked. Round 1 gives the first 4 (no two share a shape
// or a colour), so a larger `count` keeps the smaller sets as its start. Captioned with template 0.
inline std::vector<world::Attributes> PickCombinations(world::Split split, int count) {
  std::vector<world::Attributes> out;
  const auto full = [&] { return static_cast<int>(out.size()) >= count; };
  for (int round = 1; round <= world::kNumCombinations && !full(); ++round) {
    const size_t before = out.size();
    for (int k = 0; k < world::kNumCombinations && !full(); ++k) {
      const world::Attributes a = world::CombinationAt((k * 97 + 13) % world::kNumCombinations);
      if (world::HeldOutCombination(a) != (split == world::Split::kHeldOut)) continue;
      int same_shape = 0;
      int same_colour = 0;
      bool same_pair = false;
      for (const world::Attributes& b : out) {
        same_shape += b.shape == a.shape;
        same_colour += b.colour == a.colour;
        same_pair |= b.shape == a.shape && b.colour == a.colour;
      }
      if (same_shape < round && same_colour < round && !same_pair) out.push_back(a);
    }
    if (out.size() == before) break;  // every (shape, colour) pair of the split is used
  }
  return out;
}

}  // namespace clipglass::bench
