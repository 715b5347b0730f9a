// Generated images as the protocol carries them: 8-bit RGB PNG.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "common/status.h"

namespace clipglass::worker {

// image: [3, H, W] in [-1, 1] (a generator's tanh range), any float dtype and device. Pixels are
// (x + 1) / 2 * 255, rounded to nearest and clamped to [0, 255].
StatusOr<std::string> ImageToPng(const at::Tensor& image);

}  // namespace clipglass::worker
