// Turning a batch of generated images into CLIP's input, on the images' device, in one call.
//
// Ref: OpenAI CLIP clip/clip.py _transform (Resize(R, BICUBIC) on PIL images, CenterCrop(R),
// ToTensor, Normalize(mean, std)); CLIP-GLaSS generator.py clip_similarity + utils.biggan_norm
// (GAN output (x + 1) / 2 clipped to [0, 1], kornia.resize to (224, 224), i.e. bilinear, no
// antialiasing, aspect not kept, and no mean/std normalisation).
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>

#include "common/status.h"

namespace clipglass::models {

// CLIP's per-channel normalisation constants (clip.py _transform).
inline constexpr std::array<double, 3> kClipImageMean = {0.48145466, 0.4578275, 0.40821073};
inline constexpr std::array<double, 3> kClipImageStd = {0.26862954, 0.26130258, 0.27577711};

enum class ImageRange {
  kZeroToOne,      // pixels in [0, 1], used as they are
  kMinusOneToOne,  // tanh-range generator output: (x + 1) / 2, clipped to [0, 1] (biggan_norm)
};

enum class ImageResize {
  // Shorter side to R with bicubic interpolation (antialiased when shrinking, like PIL's resize,
  // which CLIP's own preprocessing uses), then a centred R x R crop; results clipped to [0, 1]
  // as PIL's 8-bit output is. The default: what CLIP saw in training.
  kBicubicCenterCrop,
  // Both sides to R with bilinear interpolation (align_corners false, no antialiasing, aspect
  // not kept): kornia.resize(x, (R, R)) as the original CLIP-GLaSS calls it.
  kBilinearStretch,
};

struct ClipPreprocessOptions {
  // Range of the incoming pixels. Generators in tanh range (StyleGAN2, BigGAN) use kMinusOneToOne.
  ImageRange range = ImageRange::kZeroToOne;
  ImageResize resize = ImageResize::kBicubicCenterCrop;
  // CLIP's mean/std normalisation. Correct and on by default; the original CLIP-GLaSS omitted it.
  bool normalize = true;

  // Everything as the original CLIP-GLaSS did it: kornia bilinear stretch, no normalisation.
  static ClipPreprocessOptions OriginalClipGlass(ImageRange range) {
    return {range, ImageResize::kBilinearStretch, /*normalize=*/false};
  }
  // A generator's images (tanh range) as the evaluator shows them to CLIP: CLIP's own
  // preprocessing when a config asks for normalisation, the original CLIP-GLaSS's otherwise.
  static ClipPreprocessOptions ForGeneratedImages(bool normalize) {
    return normalize ? ClipPreprocessOptions{ImageRange::kMinusOneToOne,
                                             ImageResize::kBicubicCenterCrop, true}
                     : OriginalClipGlass(ImageRange::kMinusOneToOne);
  }
};

// images: [N, 3, H, W] floating point, any device. Returns [N, 3, R, R] float32 on the same
// device. An image already R x R is not resampled (only range-mapped and normalised).
// InvalidArgument for another rank, channel count, an empty image or a non-float dtype.
// Thread-safety: a pure function; safe to call concurrently.
StatusOr<at::Tensor> PreprocessImages(const at::Tensor& images, int64_t resolution,
                                      const ClipPreprocessOptions& options = {});

}  // namespace clipglass::models
