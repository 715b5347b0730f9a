#include "worker/models/torch_device.h"

#include <ATen/Context.h>
#include <c10/util/Exception.h>

namespace clipglass::models {

StatusOr<c10::Device> ResolveTorchDevice(const std::string& name, const std::string& who) {
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(name);
  } catch (const c10::Error&) {
    return InvalidArgumentError(who + ": unknown device '" + name + "' (cpu or cuda:N)");
  }
  if (device.is_cpu()) return device;
  if (!device.is_cuda()) {
    return InvalidArgumentError(who + ": unsupported device '" + name + "' (cpu or cuda:N)");
  }
  if (!at::hasCUDA()) {
    return FailedPreconditionError(who + ": device " + name +
                                   " asked for, but this LibTorch build has no CUDA");
  }
  const int64_t index = device.has_index() ? device.index() : 0;
  if (index >= static_cast<int64_t>(at::getNumGPUs())) {
    return FailedPreconditionError(who + ": no device " + name + " (" +
                                   std::to_string(at::getNumGPUs()) + " GPUs visible)");
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace clipglass::models
