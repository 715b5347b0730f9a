// The demo world: scenes of one shape on a plain background, with known attributes. Everything
// here is deterministic and free of LibTorch, so the coordinator, the tests and the training code
// share one definition of what "a large red circle on a blue background" is.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clipglass::world {

enum class Shape : uint8_t { kCircle, kSquare, kTriangle, kDiamond };
enum class Colour : uint8_t { kRed, kGreen, kBlue, kYellow, kWhite, kBlack };
enum class Size : uint8_t { kSmall, kLarge };

inline constexpr int kNumShapes = 4;
inline constexpr int kNumColours = 6;
inline constexpr int kNumSizes = 2;

// The attributes a caption names and the referee judges.
struct Attributes {
  Shape shape = Shape::kCircle;
  Colour colour = Colour::kRed;       // of the shape
  Colour background = Colour::kBlue;  // never equal to `colour`
  Size size = Size::kLarge;
  bool operator==(const Attributes&) const = default;
};

// A scene: its attributes plus the nuisance variables no caption mentions.
struct Scene {
  Attributes attributes;
  float centre_x = 0.5f;  // in [0, 1], image coordinates
  float centre_y = 0.5f;
  float rotation = 0.0f;                  // radians; circles ignore it
  float scale_jitter = 1.0f;              // multiplies the size's nominal radius, in [0.85, 1.15]
  std::array<int8_t, 3> colour_jitter{};  // added to the shape's RGB
  std::array<int8_t, 3> background_jitter{};  // added to the background's RGB
};

std::string_view ShapeName(Shape shape);     // "circle", "square", "triangle", "diamond"
std::string_view ColourName(Colour colour);  // "red", "green", "blue", "yellow", "white", "black"
std::string_view SizeName(Size size);        // "small", "large"
std::array<uint8_t, 3> ColourRgb(Colour colour);

// Dense index of an attribute combination in [0, kNumCombinations), and back. Only combinations
// with colour != background exist: 4 shapes x 6 colours x 5 backgrounds x 2 sizes = 240.
inline constexpr int kNumCombinations = kNumShapes * kNumColours * (kNumColours - 1) * kNumSizes;
int CombinationIndex(const Attributes& attributes);
Attributes CombinationAt(int index);

// One line: "large red circle on blue".
std::string Describe(const Attributes& attributes);

}  // namespace clipglass::world
