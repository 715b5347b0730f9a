// Captions of the demo world: several templates that name every attribute, and a parser that reads
// the attributes back out of free text (GPT-2's captions, users' targets).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "world/scene.h"

namespace clipglass::world {

inline constexpr int kNumTemplates = 6;

// Caption `template_index` (mod kNumTemplates) of the attributes, lower case, e.g.
//   0 "a large red circle on a blue background"
//   1 "the picture of a large red circle on a blue background"
//   2 "a blue background with a large red circle"
//   3 "a photo of a large red circle against blue"
//   4 "large red circle, blue background"
//   5 "an image of a red circle, large, on blue"
std::string Caption(const Attributes& attributes, int template_index);

// What a caption says, attribute by attribute; absent where the text does not say it.
struct ParsedCaption {
  std::optional<Shape> shape;
  std::optional<Colour> colour;
  std::optional<Colour> background;
  std::optional<Size> size;
  // Every attribute present and equal to `truth`.
  bool Matches(const Attributes& truth) const;
  // How many of the four attributes are present and equal to `truth` (0..4).
  int CountCorrect(const Attributes& truth) const;
};

// Reads the attributes from any caption of the templates above and from looser text: the shape is
// the first shape word; the shape's colour the nearest colour word before it (or right after it,
// template 5 style); the background the colour word next to "background", or after "on"/"against"
// following the shape; the size the first size word ("small"/"large", also "big"/"tiny").
ParsedCaption ParseCaption(std::string_view text);

}  // namespace clipglass::world
