// 8-bit RGB images to and from PNG bytes (libpng). Generated images travel as PNG; target images
// are read from PNG files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace clipglass {

struct RgbImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> rgb;  // row-major [height, width, 3]
};

// PNG bytes of the image. REQUIRES: rgb.size() == width * height * 3.
StatusOr<std::string> EncodePng(const RgbImage& image);

// Decodes PNG bytes (any bit depth or colour type: grey, palette and alpha are converted to
// 8-bit RGB). `what` names the source in errors (a file path, "target of run 3").
StatusOr<RgbImage> DecodePng(const std::string& bytes, const std::string& what);

}  // namespace clipglass
