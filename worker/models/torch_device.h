// Which LibTorch device a name means ("cpu", "cuda", "cuda:N"), checked against this build and
// machine, so that a bad --device is one line at the boundary and not a c10::Error mid-run.
#pragma once

#include <c10/core/Device.h>

#include <string>

#include "common/status.h"

namespace clipglass::models {

// `name` as a device: "cpu", or "cuda[:N]" (N defaults to 0) when this LibTorch has CUDA and
// GPU N is visible. Errors start with `who` ("model evaluator", "stylegan2 training").
StatusOr<c10::Device> ResolveTorchDevice(const std::string& name, const std::string& who);

}  // namespace clipglass::models
