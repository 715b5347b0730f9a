#include "worker/models/clip_preprocess.h"

#include <ATen/ATen.h>

#include <cmath>
#include <sstream>

// Ref: OpenAI CLIP clip/clip.py _transform; torchvision 0.8 Resize / CenterCrop / Normalize;
// CLIP-GLaSS generator.py (kornia 0.4.1 resize) and utils.py biggan_norm.

namespace clipglass::models {
namespace {

// torchvision Resize(int): the shorter side becomes `size`, the longer one int(size * long /
// short), truncated.
std::array<int64_t, 2> ShorterSideTo(int64_t h, int64_t w, int64_t size) {
  if (w <= h) return {static_cast<int64_t>(static_cast<double>(size) * h / w), size};
  return {size, static_cast<int64_t>(static_cast<double>(size) * w / h)};
}

// torchvision CenterCrop offset: int(round((length - crop) / 2.0)), Python's round half to even.
int64_t CropOffset(int64_t length, int64_t crop) {
  return static_cast<int64_t>(std::nearbyint(static_cast<double>(length - crop) / 2.0));
}

}  // namespace

StatusOr<at::Tensor> PreprocessImages(const at::Tensor& images, int64_t resolution,
                                      const ClipPreprocessOptions& options) {
  if (!images.defined() || images.dim() != 4 || images.size(1) != 3 || images.size(2) < 1 ||
      images.size(3) < 1 || !at::isFloatingType(images.scalar_type())) {
    std::ostringstream msg;
    msg << "CLIP preprocessing: expected images [N, 3, H, W] of a floating dtype, got ";
    if (images.defined()) {
      msg << images.sizes() << " " << images.scalar_type();
    } else {
      msg << "no tensor";
    }
    return InvalidArgumentError(msg.str());
  }
  try {
    at::Tensor x = images.to(at::kFloat);  // x: [N, 3, H, W]
    if (options.range == ImageRange::kMinusOneToOne) {
      x = x.add(1.0).div_(2.0).clamp_(0.0, 1.0);
    }
    const int64_t h = x.size(2);
    const int64_t w = x.size(3);
    if (h != resolution || w != resolution) {
      if (options.resize == ImageResize::kBilinearStretch) {
        // x: [N, 3, R, R]
        x = at::upsample_bilinear2d(x, {resolution, resolution}, /*align_corners=*/false);
      } else {
        const auto [rh, rw] = ShorterSideTo(h, w, resolution);
        // PIL-style bicubic (a = -0.5), antialiased when shrinking. x: [N, 3, rh, rw]
        x = at::_upsample_bicubic2d_aa(x, {rh, rw}, /*align_corners=*/false);
        const int64_t top = CropOffset(rh, resolution);
        const int64_t left = CropOffset(rw, resolution);
        // x: [N, 3, R, R]; PIL's 8-bit result cannot leave [0, 1] either.
        x = x.slice(2, top, top + resolution).slice(3, left, left + resolution).clamp(0.0, 1.0);
      }
    }
    if (options.normalize) {
      const auto channel = at::TensorOptions().dtype(at::kFloat).device(x.device());
      const at::Tensor mean =
          at::tensor(at::ArrayRef<double>(kClipImageMean.data(), 3), channel).view({1, 3, 1, 1});
      const at::Tensor std =
          at::tensor(at::ArrayRef<double>(kClipImageStd.data(), 3), channel).view({1, 3, 1, 1});
      // As torchvision's Normalize: subtract, then divide, in float32.
      x = x.sub(mean).div_(std);
    }
    // Never hand back the caller's own tensor (an R x R float32 input with nothing to change).
    return x.is_same(images) ? x.clone() : x.contiguous();
  } catch (const c10::Error& e) {
    return InternalError(std::string("CLIP preprocessing: ") + e.what_without_backtrace());
  }
}

}  // namespace clipglass::models
