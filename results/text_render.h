// Text drawn into RGB images with FreeType, for figure labels. The font is a real TrueType file:
// $CLIPGLASS_FONT when set, otherwise DejaVu Sans from Debian's fonts-dejavu-core package.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "results/archive.h"

namespace clipglass::results {

// The font file to use: $CLIPGLASS_FONT, else the first standard DejaVu Sans location that
// exists; NotFound saying how to get one otherwise.
StatusOr<std::string> FindDefaultFont();

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// One font at one pixel size. Not thread-safe (FreeType faces are not).
class TextRenderer {
 public:
  static StatusOr<std::unique_ptr<TextRenderer>> Open(const std::string& font_path, int pixel_size);
  ~TextRenderer();
  TextRenderer(const TextRenderer&) = delete;
  TextRenderer& operator=(const TextRenderer&) = delete;

  // Advance width of UTF-8 `text` in pixels.
  int Width(const std::string& text);
  // Pixels from the top of a line to its baseline.
  int Ascent() const { return ascent_; }

  // Draws `text` with its baseline at `baseline_y`, starting at `x`, anti-aliased over what is
  // there; pixels outside the image are clipped.
  void Draw(Image& image, int x, int baseline_y, const std::string& text, Rgb colour);

  // `text` broken at spaces into lines of at most `max_width` pixels (a word longer than that
  // is cut), at most `max_lines` of them; the last kept line ends in an ellipsis when text was
  // left out.
  std::vector<std::string> Wrap(const std::string& text, int max_width, int max_lines);

 private:
  struct Impl;
  explicit TextRenderer(std::unique_ptr<Impl> impl, int ascent);
  std::unique_ptr<Impl> impl_;
  int ascent_ = 0;
};

// Unicode code points of UTF-8 text; malformed bytes become U+FFFD.
std::vector<char32_t> DecodeUtf8(const std::string& text);

}  // namespace clipglass::results
