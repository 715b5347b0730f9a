#include "train/image_augment.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace clipglass::train {
namespace {

// Depthwise Gaussian blur, sigma 1 px, as two 5-tap passes over replicated edges.
at::Tensor GaussianBlur(const at::Tensor& images) {
  const int64_t channels = images.size(1);
  const at::Tensor taps = at::tensor({0.0545f, 0.2442f, 0.4026f, 0.2442f, 0.0545f});
  const at::Tensor row = (taps / taps.sum()).view({1, 1, 1, 5}).repeat({channels, 1, 1, 1});
  const at::Tensor column = row.view({channels, 1, 5, 1});
  const std::vector<int64_t> ones = {1, 1};
  const std::vector<int64_t> zeros = {0, 0};
  at::Tensor out = at::replication_pad2d(images, {2, 2, 2, 2});
  out = at::conv2d(out, row, at::Tensor(), ones, zeros, ones, channels);
  return at::conv2d(out, column, at::Tensor(), ones, zeros, ones, channels);
}

}  // namespace

at::Tensor AugmentImages(const at::Tensor& images, const ImageAugmentOptions& options,
                         at::Generator& rng) {
  if (!options.enabled()) return images;
  at::Tensor out = images;
  if (options.blur > 0) {
    const at::Tensor weight = at::rand({images.size(0), 1, 1, 1}, rng, at::kFloat) * options.blur;
    out = out + weight * (GaussianBlur(images) - out);
  }
  if (options.noise_std > 0) {
    out = out + options.noise_std * at::randn(out.sizes(), rng, at::kFloat);
  }
  return out.clamp(0.0, 1.0);
}

}  // namespace clipglass::train
