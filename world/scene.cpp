#include "world/scene.h"

#include <string>

namespace clipglass::world {

std::string_view ShapeName(Shape shape) {
  switch (shape) {
    case Shape::kCircle:
      return "circle";
    case Shape::kSquare:
      return "square";
    case Shape::kTriangle:
      return "triangle";
    case Shape::kDiamond:
      return "diamond";
  }
  return "?";
}

std::string_view ColourName(Colour colour) {
  switch (colour) {
    case Colour::kRed:
      return "red";
    case Colour::kGreen:
      return "green";
    case Colour::kBlue:
      return "blue";
    case Colour::kYellow:
      return "yellow";
    case Colour::kWhite:
      return "white";
    case Colour::kBlack:
      return "black";
  }
  return "?";
}

std::string_view SizeName(Size size) { return size == Size::kSmall ? "small" : "large"; }

std::array<uint8_t, 3> ColourRgb(Colour colour) {
  switch (colour) {
    case Colour::kRed:
      return {220, 40, 40};
    case Colour::kGreen:
      return {40, 170, 60};
    case Colour::kBlue:
      return {40, 80, 220};
    case Colour::kYellow:
      return {235, 215, 40};
    case Colour::kWhite:
      return {240, 240, 240};
    case Colour::kBlack:
      return {20, 20, 20};
  }
  return {128, 128, 128};
}

// Layout: ((shape * 6 + colour) * 5 + background slot) * 2 + size, where the background slot skips
// the shape's own colour.
int CombinationIndex(const Attributes& a) {
  const int colour = static_cast<int>(a.colour);
  const int background = static_cast<int>(a.background);
  const int slot = background < colour ? background : background - 1;
  return ((static_cast<int>(a.shape) * kNumColours + colour) * (kNumColours - 1) + slot) *
             kNumSizes +
         static_cast<int>(a.size);
}

Attributes CombinationAt(int index) {
  Attributes a;
  a.size = static_cast<Size>(index % kNumSizes);
  index /= kNumSizes;
  const int slot = index % (kNumColours - 1);
  index /= kNumColours - 1;
  const int colour = index % kNumColours;
  a.colour = static_cast<Colour>(colour);
  a.shape = static_cast<Shape>(index / kNumColours);
  a.background = static_cast<Colour>(slot < colour ? slot : slot + 1);
  return a;
}

std::string Describe(const Attributes& a) {
  std::string out;
  out += SizeName(a.size);
  out += ' ';
  out += ColourName(a.colour);
  out += ' ';
  out += ShapeName(a.shape);
  out += " on ";
  out += ColourName(a.background);
  return out;
}

}  // namespace clipglass::world
