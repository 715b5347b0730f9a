// Ref: rspeer/python-ftfy v5.8, ftfy/__init__.py (fix_text, fix_text_segment).
#include "worker/tokenizers/ftfy.h"

#include <algorithm>

#include "worker/tokenizers/ftfy_fix_encoding.h"
#include "worker/tokenizers/ftfy_fixes.h"
#include "worker/tokenizers/unicode_util.h"

namespace clipglass::tokenizers {
namespace {

constexpr size_t kMaxDecodeLength = 1000000;  // fix_text's max_decode_length
// Python repeats until a fixed point, which real text reaches in one or two passes; the cap only
// bounds pathological input.
constexpr int kMaxPasses = 32;

bool HasAngleBrackets(std::u32string_view text) {
  return text.find(U'<') != std::u32string_view::npos &&
         text.find(U'>') != std::u32string_view::npos;
}

}  // namespace

std::u32string FixTextSegment(std::u32string_view input, bool fix_entities, bool fix_encoding) {
  if (fix_entities && HasAngleBrackets(input)) fix_entities = false;
  std::u32string text(input);
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    const std::u32string original = text;
    text = RemoveTerminalEscapes(text);
    if (fix_encoding) text = FixEncoding(text);
    if (fix_entities) text = FtfyUnescapeHtml(text);
    text = FixLatinLigatures(text);
    text = FixCharacterWidth(text);
    text = UncurlQuotes(text);
    text = FixLineBreaks(text);
    text = FixSurrogates(text);
    text = RemoveControlChars(text);
    text = NormalizeNfc(text);
    if (text == original) break;
  }
  return text;
}

std::u32string FixText(std::u32string_view text) {
  // Printable ASCII with tabs and newlines and no '&' is left as it is by every fixer.
  const bool plain = std::all_of(text.begin(), text.end(), [](char32_t c) {
    return (c >= 0x20 && c < 0x7F && c != U'&') || c == U'\t' || c == U'\n';
  });
  if (plain) return std::u32string(text);
  std::u32string out;
  out.reserve(text.size());
  bool fix_entities = true;  // 'auto' until a line looks like HTML
  size_t pos = 0;
  while (pos < text.size()) {
    size_t line_end = text.find(U'\n', pos);
    line_end = line_end == std::u32string_view::npos ? text.size() : line_end + 1;
    const std::u32string_view line = text.substr(pos, line_end - pos);
    if (fix_entities && HasAngleBrackets(line)) fix_entities = false;
    out += FixTextSegment(line, fix_entities, line.size() <= kMaxDecodeLength);
    pos = line_end;
  }
  return out;
}

}  // namespace clipglass::tokenizers
