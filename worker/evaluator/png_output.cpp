#include "worker/evaluator/png_output.h"

#include <ATen/ATen.h>

#include <cstring>

#include "common/png_codec.h"

namespace clipglass::worker {

StatusOr<std::string> ImageToPng(const at::Tensor& image) {
  if (!image.defined() || image.dim() != 3 || image.size(0) != 3) {
    return InvalidArgumentError("PNG output: the image must be [3, H, W]");
  }
  const at::Tensor pixels = image.to(at::kCPU, at::kFloat)
                                .add(1.0)
                                .mul_(127.5)
                                .nan_to_num_(0.0)
                                .round_()
                                .clamp_(0.0, 255.0)
                                .to(at::kByte)
                                .permute({1, 2, 0})
                                .contiguous();  // [H, W, 3]
  RgbImage rgb;
  rgb.height = pixels.size(0);
  rgb.width = pixels.size(1);
  rgb.rgb.resize(static_cast<size_t>(pixels.numel()));
  std::memcpy(rgb.rgb.data(), pixels.data_ptr<uint8_t>(), rgb.rgb.size());
  return EncodePng(rgb);
}

}  // namespace clipglass::worker
