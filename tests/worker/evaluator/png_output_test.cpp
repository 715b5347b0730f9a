// Generated images to PNG: the [-1, 1] -> 8-bit mapping, rounding and clamping.
#include "worker/evaluator/png_output.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "common/png_codec.h"

namespace clipglass::worker {
namespace {

TEST(PngOutputTest, MapsTanhRangeToBytes) {
  // One row of 6 pixels; every channel holds the same value.
  const std::vector<float> values = {-1.0f, 1.0f, 0.0f, -2.0f, 3.0f, 0.5f};
  at::Tensor image = at::tensor(values).view({1, 1, 6}).expand({3, 1, 6}).contiguous();
  auto png = ImageToPng(image);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  auto decoded = DecodePng(*png, "test");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->width, 6);
  EXPECT_EQ(decoded->height, 1);
  // (x + 1) / 2 * 255 rounded (0 -> 127.5 -> 128) and clamped to [0, 255].
  const std::vector<uint8_t> expected = {0, 255, 128, 0, 255, 191};
  for (int x = 0; x < 6; ++x) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(decoded->rgb[x * 3 + c], expected[x]) << x;
  }
}

TEST(PngOutputTest, KeepsChannelsApart) {
  at::Tensor image = at::full({3, 2, 3}, -1.0f);
  image[0][1][2] = 1.0f;  // red at (x 2, y 1)
  auto decoded = DecodePng(*ImageToPng(image), "test");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->rgb[(1 * 3 + 2) * 3 + 0], 255);
  EXPECT_EQ(decoded->rgb[(1 * 3 + 2) * 3 + 1], 0);
  EXPECT_EQ(decoded->rgb[0], 0);
}

TEST(PngOutputTest, RejectsOtherShapes) { EXPECT_FALSE(ImageToPng(at::zeros({4, 2, 2})).ok()); }

}  // namespace
}  // namespace clipglass::worker
