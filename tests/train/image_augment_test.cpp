#include "train/image_augment.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

namespace clipglass::train {
namespace {

at::Generator Rng(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// A white square on black, [1, 3, 16, 16]: one sharp edge on every side.
at::Tensor SquareImage() {
  at::Tensor image = at::zeros({1, 3, 16, 16});
  image.narrow(2, 4, 8).narrow(3, 4, 8).fill_(1.0);
  return image;
}

TEST(ImageAugmentTest, AllZeroLeavesTheImagesAlone) {
  const at::Tensor images = SquareImage();
  at::Generator rng = Rng(1);
  EXPECT_TRUE(AugmentImages(images, {}, rng).equal(images));
}

TEST(ImageAugmentTest, BlurSoftensEdgesKeepsFlatAreasAndTheRange) {
  const at::Tensor images = SquareImage().repeat({64, 1, 1, 1});
  at::Generator rng = Rng(2);
  const at::Tensor out = AugmentImages(images, {.blur = 1.0}, rng);
  ASSERT_EQ(out.sizes(), images.sizes());
  EXPECT_GE(out.min().item<float>(), 0.0f);
  EXPECT_LE(out.max().item<float>(), 1.0f);
  // Far from the edges nothing changes (blurring a flat area gives the same value).
  EXPECT_NEAR(out.select(2, 8).select(2, 8).min().item<float>(), 1.0f, 1e-5);
  EXPECT_NEAR(out.select(2, 0).select(2, 0).max().item<float>(), 0.0f, 1e-5);
  // Just outside the square's edge: some images pick up light, by different amounts (the blend
  // weight is drawn per image), and never more than the full blur gives.
  const at::Tensor outside = out.select(1, 0).select(1, 8).select(1, 3);  // [64]
  EXPECT_GT(outside.max().item<float>(), 0.1f);
  EXPECT_LT(outside.min().item<float>(), outside.max().item<float>());
  EXPECT_LT(outside.max().item<float>(), 0.5f);
  // The same seed, the same images.
  at::Generator again = Rng(2);
  EXPECT_TRUE(AugmentImages(images, {.blur = 1.0}, again).equal(out));
}

TEST(ImageAugmentTest, NoiseHasTheRequestedSpreadAndIsClamped) {
  const at::Tensor grey = at::full({8, 3, 32, 32}, 0.5f);
  at::Generator rng = Rng(3);
  const at::Tensor noisy = AugmentImages(grey, {.noise_std = 0.04}, rng);
  EXPECT_NEAR((noisy - grey).std().item<double>(), 0.04, 0.002);
  const at::Tensor white = at::ones({8, 3, 32, 32});
  const at::Tensor clamped = AugmentImages(white, {.noise_std = 0.04}, rng);
  EXPECT_LE(clamped.max().item<float>(), 1.0f);
  EXPECT_LT(clamped.min().item<float>(), 1.0f);
}

}  // namespace
}  // namespace clipglass::train
