#include "world/dataset.h"

#include "world/captions.h"

namespace clipglass::world {
namespace {

// splitmix64: a small, well-mixed generator; each example seeds its own stream so examples are
// independent of how many others were drawn before.
struct SplitMix {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float Uniform(float low, float high) {  // [low, high)
    return low + (high - low) * static_cast<float>(Next() >> 40) / static_cast<float>(1ull << 24);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
};

std::vector<int> CombinationsOf(Split split) {
  std::vector<int> out;
  for (int i = 0; i < kNumCombinations; ++i) {
    if (HeldOutCombination(CombinationAt(i)) == (split == Split::kHeldOut)) out.push_back(i);
  }
  return out;
}

const std::vector<int>& Combinations(Split split) {
  static const std::vector<int> train = CombinationsOf(Split::kTrain);
  static const std::vector<int> held_out = CombinationsOf(Split::kHeldOut);
  return split == Split::kTrain ? train : held_out;
}

}  // namespace

// Every shape x colour pair holds out one of its ten (background, size) combinations, picked by a
// fixed rule, so each shape, colour, background and size value stays common in training.
bool HeldOutCombination(const Attributes& a) {
  const int shape = static_cast<int>(a.shape);
  const int colour = static_cast<int>(a.colour);
  const int pick = (shape * 7 + colour * 3) % 10;  // which of the 10 (background slot, size) pairs
  const int background = static_cast<int>(a.background);
  const int slot = background < colour ? background : background - 1;
  return slot * kNumSizes + static_cast<int>(a.size) == pick;
}

float CentreMargin(Size size) { return size == Size::kSmall ? 0.28f : 0.40f; }

Example SampleExample(Split split, uint64_t seed, uint64_t index) {
  SplitMix rng{seed * 0x100000001B3ull ^ (index + 1) * 0xD1B54A32D192ED03ull ^
               (split == Split::kTrain ? 0x5EEDull : 0xBEEFull)};
  rng.Next();
  const std::vector<int>& combinations = Combinations(split);
  Example example;
  Scene& scene = example.scene;
  scene.attributes = CombinationAt(combinations[rng.Below(static_cast<int>(combinations.size()))]);
  const float margin = CentreMargin(scene.attributes.size);
  scene.centre_x = rng.Uniform(margin, 1.0f - margin);
  scene.centre_y = rng.Uniform(margin, 1.0f - margin);
  scene.rotation = rng.Uniform(-0.2f, 0.2f);  // +-11 degrees: squares stay squares
  scene.scale_jitter = rng.Uniform(0.85f, 1.15f);
  for (int c = 0; c < 3; ++c) {
    scene.colour_jitter[c] = static_cast<int8_t>(rng.Below(21) - 10);
    scene.background_jitter[c] = static_cast<int8_t>(rng.Below(21) - 10);
  }
  example.template_index = rng.Below(kNumTemplates);
  example.caption = Caption(scene.attributes, example.template_index);
  return example;
}

std::vector<Example> SampleExamples(Split split, uint64_t seed, uint64_t first, int count) {
  std::vector<Example> out;
  out.reserve(count > 0 ? count : 0);
  for (int i = 0; i < count; ++i) out.push_back(SampleExample(split, seed, first + i));
  return out;
}

}  // namespace clipglass::world
