#include "world/captions.h"

#include <cctype>
#include <string>
#include <vector>

namespace clipglass::world {
namespace {

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out += part;
  return out;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

std::optional<Shape> ShapeWord(const std::string& w) {
  for (int i = 0; i < kNumShapes; ++i) {
    const Shape shape = static_cast<Shape>(i);
    if (w == ShapeName(shape) || w == std::string(ShapeName(shape)) + "s") return shape;
  }
  return std::nullopt;
}

std::optional<Colour> ColourWord(const std::string& w) {
  for (int i = 0; i < kNumColours; ++i) {
    if (w == ColourName(static_cast<Colour>(i))) return static_cast<Colour>(i);
  }
  return std::nullopt;
}

std::optional<Size> SizeWord(const std::string& w) {
  if (w == "small" || w == "tiny" || w == "little") return Size::kSmall;
  if (w == "large" || w == "big") return Size::kLarge;
  return std::nullopt;
}

}  // namespace

std::string Caption(const Attributes& a, int template_index) {
  const std::string_view size = SizeName(a.size);
  const std::string_view colour = ColourName(a.colour);
  const std::string_view shape = ShapeName(a.shape);
  const std::string_view background = ColourName(a.background);
  switch (((template_index % kNumTemplates) + kNumTemplates) % kNumTemplates) {
    case 0:
      return Join({"a ", size, " ", colour, " ", shape, " on a ", background, " background"});
    case 1:
      return Join({"the picture of a ", size, " ", colour, " ", shape, " on a ", background,
                   " background"});
    case 2:
      return Join({"a ", background, " background with a ", size, " ", colour, " ", shape});
    case 3:
      return Join({"a photo of a ", size, " ", colour, " ", shape, " against ", background});
    case 4:
      return Join({size, " ", colour, " ", shape, ", ", background, " background"});
    default:
      return Join({"an image of a ", colour, " ", shape, ", ", size, ", on ", background});
  }
}

bool ParsedCaption::Matches(const Attributes& truth) const { return CountCorrect(truth) == 4; }

int ParsedCaption::CountCorrect(const Attributes& truth) const {
  return (shape == truth.shape) + (colour == truth.colour) + (background == truth.background) +
         (size == truth.size);
}

ParsedCaption ParseCaption(std::string_view text) {
  const std::vector<std::string> words = Words(text);
  ParsedCaption parsed;
  int shape_at = -1;
  for (int i = 0; i < static_cast<int>(words.size()); ++i) {
    if (!parsed.size) parsed.size = SizeWord(words[i]);
    if (shape_at < 0) {
      if (auto shape = ShapeWord(words[i])) {
        parsed.shape = shape;
        shape_at = i;
      }
    }
  }
  // The background: a colour word right before "background" wins; otherwise the first colour
  // word after "on"/"against" behind the shape.
  for (int i = 0; i + 1 < static_cast<int>(words.size()); ++i) {
    if (words[i + 1] == "background" && ColourWord(words[i])) {
      parsed.background = ColourWord(words[i]);
      break;
    }
  }
  if (shape_at >= 0) {
    // The shape's colour: the nearest colour word before the shape that is not the background's
    // own "X background", else the colour word right after the shape (template 5 style).
    for (int i = shape_at - 1; i >= 0; --i) {
      if (!ColourWord(words[i])) continue;
      if (i + 1 < static_cast<int>(words.size()) && words[i + 1] == "background") continue;
      parsed.colour = ColourWord(words[i]);
      break;
    }
    if (!parsed.colour && shape_at + 1 < static_cast<int>(words.size()) &&
        words[shape_at + 1] != "on" && words[shape_at + 1] != "against") {
      parsed.colour = ColourWord(words[shape_at + 1]);
    }
    if (!parsed.background) {
      bool after_preposition = false;
      for (int i = shape_at + 1; i < static_cast<int>(words.size()); ++i) {
        if (words[i] == "on" || words[i] == "against") after_preposition = true;
        if (after_preposition && ColourWord(words[i])) {
          parsed.background = ColourWord(words[i]);
          break;
        }
      }
    }
  }
  return parsed;
}

}  // namespace clipglass::world
