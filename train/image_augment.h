// Augmentations that make a model trained on the world's clean renders more robust to what a
// generator draws (soft edges, pixel noise). Used by the CLIP trainer when asked (--blur,
// --noise-std); the shipped CLIP is trained without them (docs/training/clip_gpt2.md).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace clipglass::train {

struct ImageAugmentOptions {
  // Each image is blended towards a Gaussian-blurred copy of itself (sigma 1 px, edges
  // replicated) by a weight drawn uniformly from [0, blur]; 0: no blur.
  double blur = 0;
  // Gaussian pixel noise of this sd (pixels in [0, 1]); 0: none.
  double noise_std = 0;

  bool enabled() const { return blur > 0 || noise_std > 0; }
};

// images float [B, C, H, W] in [0, 1] -> the same shape, augmented and clamped to [0, 1];
// returned unchanged when the options are all 0. `rng` draws the blur weights, then the noise.
at::Tensor AugmentImages(const at::Tensor& images, const ImageAugmentOptions& options,
                         at::Generator& rng);

}  // namespace clipglass::train
