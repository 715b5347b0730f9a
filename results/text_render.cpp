#include "results/text_render.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace clipglass::results {
namespace {

// Where Debian's fonts-dejavu-core (and older layouts) put DejaVu Sans.
constexpr const char* kFontLocations[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
};

// Byte length of the UTF-8 sequence starting with `lead`, 0 if it cannot start one.
int SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

}  // namespace

std::vector<char32_t> DecodeUtf8(const std::string& text) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int length = SequenceLength(lead);
    if (length == 0 || i + length > text.size()) {
      out.push_back(U'\uFFFD');
      ++i;
      continue;
    }
    char32_t code = length == 1 ? lead : lead & (0x7F >> length);
    bool valid = true;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = valid && (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    out.push_back(valid ? code : U'\uFFFD');
    i += valid ? length : 1;
  }
  return out;
}

StatusOr<std::string> FindDefaultFont() {
  if (const char* env = std::getenv("CLIPGLASS_FONT"); env != nullptr && *env != '\0') {
    if (!std::filesystem::exists(env)) {
      return NotFoundError(std::string("$CLIPGLASS_FONT: no font file at ") + env);
    }
    return std::string(env);
  }
  for (const char* path : kFontLocations) {
    if (std::filesystem::exists(path)) return std::string(path);
  }
  return NotFoundError(
      "no DejaVu Sans font found: apt-get install fonts-dejavu-core, or set $CLIPGLASS_FONT to a "
      ".ttf file");
}

struct TextRenderer::Impl {
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  ~Impl() {
    if (face != nullptr) FT_Done_Face(face);
    if (library != nullptr) FT_Done_FreeType(library);
  }
};

TextRenderer::TextRenderer(std::unique_ptr<Impl> impl, int ascent)
    : impl_(std::move(impl)), ascent_(ascent) {}
TextRenderer::~TextRenderer() = default;

StatusOr<std::unique_ptr<TextRenderer>> TextRenderer::Open(const std::string& font_path,
                                                           int pixel_size) {
  auto impl = std::make_unique<Impl>();
  if (FT_Init_FreeType(&impl->library) != 0) return InternalError("FreeType: cannot initialise");
  if (FT_New_Face(impl->library, font_path.c_str(), 0, &impl->face) != 0) {
    return InvalidArgumentError(font_path + ": not a font FreeType can read");
  }
  if (FT_Set_Pixel_Sizes(impl->face, 0, static_cast<FT_UInt>(pixel_size)) != 0) {
    return InvalidArgumentError(font_path + ": cannot use pixel size " +
                                std::to_string(pixel_size));
  }
  const int ascent = static_cast<int>(impl->face->size->metrics.ascender >> 6);
  return std::unique_ptr<TextRenderer>(new TextRenderer(std::move(impl), ascent));
}

int TextRenderer::Width(const std::string& text) {
  FT_Face face = impl_->face;
  long width = 0;
  FT_UInt previous = 0;
  for (char32_t code : DecodeUtf8(text)) {
    const FT_UInt glyph = FT_Get_Char_Index(face, code);
    if (previous != 0 && FT_HAS_KERNING(face)) {
      FT_Vector kerning;
      FT_Get_Kerning(face, previous, glyph, FT_KERNING_DEFAULT, &kerning);
      width += kerning.x;
    }
    if (FT_Load_Glyph(face, glyph, FT_LOAD_DEFAULT) == 0) width += face->glyph->advance.x;
    previous = glyph;
  }
  return static_cast<int>(width >> 6);
}

void TextRenderer::Draw(Image& image, int x, int baseline_y, const std::string& text, Rgb colour) {
  FT_Face face = impl_->face;
  long pen = static_cast<long>(x) << 6;  // 26.6 fixed point
  FT_UInt previous = 0;
  for (char32_t code : DecodeUtf8(text)) {
    const FT_UInt glyph = FT_Get_Char_Index(face, code);
    if (previous != 0 && FT_HAS_KERNING(face)) {
      FT_Vector kerning;
      FT_Get_Kerning(face, previous, glyph, FT_KERNING_DEFAULT, &kerning);
      pen += kerning.x;
    }
    previous = glyph;
    if (FT_Load_Glyph(face, glyph, FT_LOAD_RENDER) != 0) continue;
    const FT_GlyphSlot slot = face->glyph;
    const FT_Bitmap& bitmap = slot->bitmap;
    const int left = static_cast<int>(pen >> 6) + slot->bitmap_left;
    const int top = baseline_y - slot->bitmap_top;
    for (unsigned row = 0; row < bitmap.rows; ++row) {
      const int y = top + static_cast<int>(row);
      if (y < 0 || y >= image.height) continue;
      for (unsigned col = 0; col < bitmap.width; ++col) {
        const int px = left + static_cast<int>(col);
        if (px < 0 || px >= image.width) continue;
        const int alpha = bitmap.buffer[row * bitmap.pitch + col];
        if (alpha == 0) continue;
        uint8_t* pixel = &image.rgb[(static_cast<size_t>(y) * image.width + px) * 3];
        const uint8_t ink[3] = {colour.r, colour.g, colour.b};
        for (int c = 0; c < 3; ++c) {
          pixel[c] = static_cast<uint8_t>((ink[c] * alpha + pixel[c] * (255 - alpha) + 127) / 255);
        }
      }
    }
    pen += slot->advance.x;
  }
}

std::vector<std::string> TextRenderer::Wrap(const std::string& text, int max_width, int max_lines) {
  std::vector<std::string> lines;
  if (max_lines <= 0) return lines;
  std::vector<std::string> words;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find_first_of(" \n", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::string line;
  bool truncated = false;
  for (size_t w = 0; w < words.size(); ++w) {
    std::string word = words[w];
    // A word wider than a line is cut at a code point boundary and marked.
    if (Width(word) > max_width) {
      while (word.size() > 1 && Width(word + "\u2026") > max_width) {
        size_t cut = word.size() - 1;
        while (cut > 0 && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) --cut;
        word.resize(cut);
      }
      word += "\u2026";
    }
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (line.empty() || Width(candidate) <= max_width) {
      line = candidate;
      continue;
    }
    lines.push_back(line);
    line = word;
    if (static_cast<int>(lines.size()) == max_lines) {
      truncated = true;
      line.clear();
      break;
    }
  }
  if (!line.empty()) lines.push_back(line);
  if (truncated && !lines.empty()) {
    std::string& last = lines.back();
    while (!last.empty() && Width(last + "\u2026") > max_width) {
      size_t cut = last.size() - 1;
      while (cut > 0 && (static_cast<unsigned char>(last[cut]) & 0xC0) == 0x80) --cut;
      last.resize(cut);
    }
    last += "\u2026";
  }
  return lines;
}

}  // namespace clipglass::results
