#include "world/render.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "world/dataset.h"

namespace clipglass::world {
namespace {

std::array<uint8_t, 3> Pixel(const RgbImage& image, int x, int y) {
  const uint8_t* p = image.rgb.data() + (static_cast<size_t>(y) * image.width + x) * 3;
  return {p[0], p[1], p[2]};
}

Scene Centred(Shape shape, Colour colour, Colour background, Size size) {
  Scene scene;
  scene.attributes = {shape, colour, background, size};
  return scene;  // centre (0.5, 0.5), no rotation, no jitter
}

// Pixels exactly the shape's or the background's colour (fully inside or fully outside).
int CountColour(const RgbImage& image, Colour colour) {
  const std::array<uint8_t, 3> rgb = ColourRgb(colour);
  int count = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) count += Pixel(image, x, y) == rgb;
  }
  return count;
}

TEST(RenderTest, SameSceneSameBytes) {
  for (int i = 0; i < 20; ++i) {
    const Scene scene = SampleExample(Split::kTrain, 3, i).scene;
    const RgbImage a = RenderScene(scene, 32);
    const RgbImage b = RenderScene(scene, 32);
    ASSERT_EQ(a.width, 32);
    ASSERT_EQ(a.height, 32);
    ASSERT_EQ(a.rgb.size(), 32u * 32u * 3u);
    EXPECT_EQ(a.rgb, b.rgb) << "example " << i;
  }
}

TEST(RenderTest, CentreIsShapeColourCornerIsBackground) {
  for (int s = 0; s < kNumShapes; ++s) {
    for (int c = 0; c < kNumColours; ++c) {
      const Colour colour = static_cast<Colour>(c);
      const Colour background = static_cast<Colour>((c + 1) % kNumColours);
      for (Size size : {Size::kSmall, Size::kLarge}) {
        const RgbImage image =
            RenderScene(Centred(static_cast<Shape>(s), colour, background, size), 32);
        EXPECT_EQ(Pixel(image, 16, 16), ColourRgb(colour)) << s << " " << c;
        EXPECT_EQ(Pixel(image, 0, 0), ColourRgb(background)) << s << " " << c;
        EXPECT_EQ(Pixel(image, 31, 31), ColourRgb(background)) << s << " " << c;
      }
    }
  }
}

TEST(RenderTest, JitterShiftsColours) {
  Scene scene = Centred(Shape::kSquare, Colour::kRed, Colour::kBlue, Size::kLarge);
  scene.colour_jitter = {5, -5, 3};
  scene.background_jitter = {-4, 0, 7};
  const RgbImage image = RenderScene(scene, 32);
  const std::array<uint8_t, 3> red = ColourRgb(Colour::kRed);
  const std::array<uint8_t, 3> blue = ColourRgb(Colour::kBlue);
  EXPECT_EQ(Pixel(image, 16, 16), (std::array<uint8_t, 3>{static_cast<uint8_t>(red[0] + 5),
                                                          static_cast<uint8_t>(red[1] - 5),
                                                          static_cast<uint8_t>(red[2] + 3)}));
  EXPECT_EQ(Pixel(image, 0, 0), (std::array<uint8_t, 3>{static_cast<uint8_t>(blue[0] - 4), blue[1],
                                                        static_cast<uint8_t>(blue[2] + 7)}));
}

TEST(RenderTest, LargeCoversMoreThanSmall) {
  for (int s = 0; s < kNumShapes; ++s) {
    const Shape shape = static_cast<Shape>(s);
    const int small =
        CountColour(RenderScene(Centred(shape, Colour::kWhite, Colour::kBlack, Size::kSmall), 64),
                    Colour::kWhite);
    const int large =
        CountColour(RenderScene(Centred(shape, Colour::kWhite, Colour::kBlack, Size::kLarge), 64),
                    Colour::kWhite);
    EXPECT_GT(small, 0) << ShapeName(shape);
    // Area grows with the square of the radius: (0.34 / 0.20)^2 = 2.9.
    EXPECT_GT(large, 2 * small) << ShapeName(shape);
  }
}

TEST(RenderTest, ShapesDifferWhereTheirOutlinesDiffer) {
  // side 100, large: radius r = 34 px around (50, 50). Circle radius 0.643 r = 21.9 px, square
  // half-side 0.570 r = 19.4 px, diamond 0.963 r = 32.8 px tall and 22.9 px wide (half), triangle
  // apex 1 r up, base 0.5 r = 17 px down.
  auto at = [](Shape shape, int x, int y) {
    return Pixel(RenderScene(Centred(shape, Colour::kWhite, Colour::kBlack, Size::kLarge), 100), x,
                 y);
  };
  const auto white = ColourRgb(Colour::kWhite);
  const auto black = ColourRgb(Colour::kBlack);
  // Near the square's corner (17 px diagonally): inside the square only.
  EXPECT_EQ(at(Shape::kSquare, 50 + 17, 50 + 17), white);
  EXPECT_EQ(at(Shape::kCircle, 50 + 17, 50 + 17), black);
  EXPECT_EQ(at(Shape::kDiamond, 50 + 17, 50 + 17), black);
  // Straight right at 20 px: inside the circle and the diamond, outside the square; the triangle
  // (20 px wide there) ends before 22 px.
  EXPECT_EQ(at(Shape::kCircle, 50 + 20, 50), white);
  EXPECT_EQ(at(Shape::kDiamond, 50 + 20, 50), white);
  EXPECT_EQ(at(Shape::kSquare, 50 + 20, 50), black);
  EXPECT_EQ(at(Shape::kTriangle, 50 + 22, 50), black);
  // Straight up at 30 px: inside the diamond's tip and the triangle's apex only.
  EXPECT_EQ(at(Shape::kDiamond, 50, 50 - 30), white);
  EXPECT_EQ(at(Shape::kTriangle, 50, 50 - 30), white);
  EXPECT_EQ(at(Shape::kCircle, 50, 50 - 30), black);
  EXPECT_EQ(at(Shape::kSquare, 50, 50 - 30), black);
  // Straight down at 24 px: below the triangle's base, inside the diamond.
  EXPECT_EQ(at(Shape::kTriangle, 50, 50 + 24), black);
  EXPECT_EQ(at(Shape::kDiamond, 50, 50 + 24), white);
}

TEST(RenderTest, EveryShapeCoversTheSameArea) {
  // Equal areas take away the pixel count of the shape's colour as a cue to the shape.
  std::vector<int> areas;
  for (int s = 0; s < kNumShapes; ++s) {
    const Shape shape = static_cast<Shape>(s);
    areas.push_back(
        CountColour(RenderScene(Centred(shape, Colour::kWhite, Colour::kBlack, Size::kLarge), 200),
                    Colour::kWhite));
  }
  const auto [lo, hi] = std::minmax_element(areas.begin(), areas.end());
  // Triangle area 1.299 r^2 at r = 68 px: ~6,000 px; only the edge pixels (not counted) differ.
  EXPECT_GT(*lo, 5500);
  EXPECT_LT(*hi - *lo, *lo / 50) << "areas " << areas[0] << " " << areas[1] << " " << areas[2]
                                 << " " << areas[3];
}

TEST(RenderTest, EdgesAreAntiAliased) {
  // A circle's outline crosses pixels: some of them mix the two colours.
  const RgbImage image =
      RenderScene(Centred(Shape::kCircle, Colour::kWhite, Colour::kBlack, Size::kLarge), 32);
  int mixed = 0;
  for (int y = 0; y < 32; ++y) {
    for (int x = 0; x < 32; ++x) {
      const auto p = Pixel(image, x, y);
      mixed += p != ColourRgb(Colour::kWhite) && p != ColourRgb(Colour::kBlack);
    }
  }
  EXPECT_GT(mixed, 10);
}

TEST(RenderTest, PositionMovesTheShape) {
  Scene scene = Centred(Shape::kCircle, Colour::kRed, Colour::kGreen, Size::kSmall);
  scene.centre_x = 0.25f;
  scene.centre_y = 0.75f;
  const RgbImage image = RenderScene(scene, 64);
  EXPECT_EQ(Pixel(image, 16, 48), ColourRgb(Colour::kRed));
  EXPECT_EQ(Pixel(image, 48, 16), ColourRgb(Colour::kGreen));
  EXPECT_EQ(Pixel(image, 32, 32), ColourRgb(Colour::kGreen));
}

}  // namespace
}  // namespace clipglass::world
