#include "worker/models/torch_device.h"

#include <ATen/Context.h>
#include <gtest/gtest.h>

namespace clipglass::models {
namespace {

TEST(ResolveTorchDevice, CpuIsAlwaysThere) {
  const StatusOr<c10::Device> device = ResolveTorchDevice("cpu", "test");
  ASSERT_TRUE(device.ok()) << device.status().message();
  EXPECT_TRUE(device->is_cpu());
}

TEST(ResolveTorchDevice, UnknownNamesAreInvalidAndNamed) {
  for (const std::string name : {"gpu", "cuda:x", ""}) {
    const StatusOr<c10::Device> device = ResolveTorchDevice(name, "stylegan2 training");
    ASSERT_FALSE(device.ok()) << name;
    EXPECT_EQ(device.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(device.status().message().find("stylegan2 training: unknown device '" + name + "'"),
              std::string::npos)
        << device.status().message();
  }
}

TEST(ResolveTorchDevice, KnownButUnsupportedDevicesAreRefused) {
  const StatusOr<c10::Device> device = ResolveTorchDevice("meta", "test");
  ASSERT_FALSE(device.ok());
  EXPECT_NE(device.status().message().find("unsupported device 'meta'"), std::string::npos)
      << device.status().message();
}

TEST(ResolveTorchDevice, CudaNeedsTheBuildAndTheGpu) {
  const StatusOr<c10::Device> far = ResolveTorchDevice("cuda:63", "test");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.status().code(), StatusCode::kFailedPrecondition);
  if (!at::hasCUDA()) {
    EXPECT_NE(far.status().message().find("this LibTorch build has no CUDA"), std::string::npos)
        << far.status().message();
    EXPECT_FALSE(ResolveTorchDevice("cuda", "test").ok());
  } else {
    EXPECT_NE(far.status().message().find("GPUs visible"), std::string::npos);
    const StatusOr<c10::Device> first = ResolveTorchDevice("cuda", "test");
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->index(), 0);  // a bare "cuda" means GPU 0, with its index made explicit
  }
}

}  // namespace
}  // namespace clipglass::models
