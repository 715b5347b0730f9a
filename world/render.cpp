#include "world/render.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace clipglass::world {
namespace {

constexpr int kSuper = 4;  // samples per pixel along each axis

struct Point {
  float x;
  float y;
};

// Every shape covers the same area, the triangle's (3 sqrt(3) / 4 r^2), so that no model can tell
// shapes apart by counting the pixels of the shape's colour (a tiny CLIP learned exactly that when
// the circle had 2.4 times the triangle's area: docs/training/clip_gpt2.md). The triangle and the
// diamond reach 1 r from the centre; the others are smaller, so every shape keeps inside the
// margin the scene sampler leaves.
constexpr float kCircleRadius = 0.6430371f;       // sqrt(A / pi)
constexpr float kSquareHalfSide = 0.5698768f;     // sqrt(A) / 2
constexpr float kDiamondHalfHeight = 0.9632675f;  // sqrt(A / 1.4): a 0.7 x 1 rhombus scaled to A
constexpr float kDiamondHalfWidth = 0.7f * kDiamondHalfHeight;  // taller than wide: never a square

// Inside test in the shape's own frame: (u, v) relative to the centre, in units of the radius.
bool InsideUnitShape(Shape shape, float u, float v) {
  switch (shape) {
    case Shape::kCircle:
      return u * u + v * v <= kCircleRadius * kCircleRadius;
    case Shape::kSquare:
      return std::fabs(u) <= kSquareHalfSide && std::fabs(v) <= kSquareHalfSide;
    case Shape::kDiamond:
      return std::fabs(u) / kDiamondHalfWidth + std::fabs(v) / kDiamondHalfHeight <= 1.0f;
    case Shape::kTriangle: {
      // Equilateral, pointing up, circumradius 1: vertices at angles 90, 210, 330 degrees.
      constexpr float kHalf = 0.8660254f;  // sqrt(3) / 2
      if (v > 0.5f) return false;          // base (image y grows downwards)
      // The two slanted edges through the apex (0, -1).
      return std::fabs(u) <= (v + 1.0f) * kHalf / 1.5f;
    }
  }
  return false;
}

uint8_t Jittered(uint8_t base, int8_t jitter) {
  return static_cast<uint8_t>(std::clamp(static_cast<int>(base) + jitter, 0, 255));
}

}  // namespace

RgbImage RenderScene(const Scene& scene, int side) {
  const Attributes& a = scene.attributes;
  std::array<uint8_t, 3> fg = ColourRgb(a.colour);
  std::array<uint8_t, 3> bg = ColourRgb(a.background);
  for (int c = 0; c < 3; ++c) {
    fg[c] = Jittered(fg[c], scene.colour_jitter[c]);
    bg[c] = Jittered(bg[c], scene.background_jitter[c]);
  }
  const float nominal = a.size == Size::kSmall ? 0.20f : 0.34f;
  const float radius = nominal * scene.scale_jitter * static_cast<float>(side);
  const float cx = scene.centre_x * static_cast<float>(side);
  const float cy = scene.centre_y * static_cast<float>(side);
  const float cos_r = std::cos(scene.rotation);
  const float sin_r = std::sin(scene.rotation);

  RgbImage image;
  image.width = side;
  image.height = side;
  image.rgb.resize(static_cast<size_t>(side) * side * 3);
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      int covered = 0;
      for (int sy = 0; sy < kSuper; ++sy) {
        for (int sx = 0; sx < kSuper; ++sx) {
          const float px = static_cast<float>(x) + (static_cast<float>(sx) + 0.5f) / kSuper - cx;
          const float py = static_cast<float>(y) + (static_cast<float>(sy) + 0.5f) / kSuper - cy;
          // Rotate the sample into the shape's frame.
          const float u = (cos_r * px + sin_r * py) / radius;
          const float v = (-sin_r * px + cos_r * py) / radius;
          covered += InsideUnitShape(a.shape, u, v) ? 1 : 0;
        }
      }
      const int total = kSuper * kSuper;
      uint8_t* out = image.rgb.data() + (static_cast<size_t>(y) * side + x) * 3;
      for (int c = 0; c < 3; ++c) {
        out[c] =
            static_cast<uint8_t>((fg[c] * covered + bg[c] * (total - covered) + total / 2) / total);
      }
    }
  }
  return image;
}

}  // namespace clipglass::world
