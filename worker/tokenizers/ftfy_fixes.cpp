// Ref: rspeer/python-ftfy v5.8, ftfy/fixes.py and ftfy/chardata.py.
#include "worker/tokenizers/ftfy_fixes.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "worker/tokenizers/html_unescape.h"
#include "worker/tokenizers/single_byte_codecs.h"
#include "worker/tokenizers/unicode_util.h"

namespace clipglass::tokenizers {
namespace {

#include "worker/tokenizers/width_map.inc"

// Python's int(text, base) for the \w characters ftfy passes it: Unicode decimal digits (and
// ASCII letters below the base), single '_' between digits, "0x" before base-16 digits. Large
// values saturate (they are all "not a character" to chr()).
std::optional<uint64_t> PythonInt(std::u32string_view text, int base) {
  if (base == 16 && text.size() >= 2 && text[0] == U'0' && (text[1] == U'x' || text[1] == U'X')) {
    text.remove_prefix(2);
    if (!text.empty() && text[0] == U'_') text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  bool previous_was_digit = false;
  for (char32_t c : text) {
    if (c == U'_') {
      if (!previous_was_digit) return std::nullopt;
      previous_was_digit = false;
      continue;
    }
    const int digit = PythonDigitValue(c, base);
    if (digit < 0) return std::nullopt;
    value = std::min<uint64_t>(0x7FFFFFFF, value * base + digit);
    previous_was_digit = true;
  }
  if (!previous_was_digit) return std::nullopt;
  return value;
}

}  // namespace

std::u32string RemoveTerminalEscapes(std::u32string_view text) {
  if (text.find(U'\x1b') == std::u32string_view::npos) return std::u32string(text);
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    // '\033\[((?:\d|;)*)([a-zA-Z])', \d being any Unicode decimal digit.
    if (text[i] == U'\x1b' && i + 1 < text.size() && text[i + 1] == U'[') {
      size_t j = i + 2;
      while (j < text.size() && (text[j] == U';' || u_charType(static_cast<UChar32>(text[j])) ==
                                                        U_DECIMAL_DIGIT_NUMBER)) {
        ++j;
      }
      if (j < text.size() &&
          ((text[j] >= U'a' && text[j] <= U'z') || (text[j] >= U'A' && text[j] <= U'Z'))) {
        i = j + 1;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

std::u32string FtfyUnescapeHtml(std::u32string_view text) {
  if (text.find(U'&') == std::u32string_view::npos) return std::u32string(text);
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    // '&#?\w{0,8};'
    if (text[i] == U'&') {
      size_t j = i + 1;
      const bool numeric = j < text.size() && text[j] == U'#';
      if (numeric) ++j;
      size_t k = j;
      while (k < text.size() && IsPythonWordChar(text[k])) ++k;
      if (k - j <= 8 && k < text.size() && text[k] == U';') {
        const std::u32string_view body = text.substr(j, k - j);
        const std::u32string_view whole = text.substr(i, k + 1 - i);
        if (numeric) {
          const bool hex = !body.empty() && body[0] == U'x';
          const std::optional<uint64_t> codept =
              PythonInt(hex ? body.substr(1) : body, hex ? 16 : 10);
          if (codept && *codept >= 0x80 && *codept < 0xA0) {
            out.push_back(*DecodeByte(Charmap::kSloppyWindows1252, static_cast<uint8_t>(*codept)));
          } else if (codept && *codept <= 0x10FFFF) {
            out.push_back(static_cast<char32_t>(*codept));
          } else {
            out += whole;
          }
        } else if (const char32_t* value = LookupHtml5Entity(text.substr(i + 1, k - i))) {
          out += value;
        } else {
          out += whole;
        }
        i = k + 1;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

std::u32string FixLatinLigatures(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    switch (c) {
      case 0x0132:
        out += U"IJ";
        break;
      case 0x0133:
        out += U"ij";
        break;
      case 0xFB00:
        out += U"ff";
        break;
      case 0xFB01:
        out += U"fi";
        break;
      case 0xFB02:
        out += U"fl";
        break;
      case 0xFB03:
        out += U"ffi";
        break;
      case 0xFB04:
        out += U"ffl";
        break;
      case 0xFB05:
        out += U"\u017Ft";  // ſt
        break;
      case 0xFB06:
        out += U"st";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::u32string FixCharacterWidth(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c == 0x3000 || (c >= 0xFF01 && c <= 0xFFEF)) {
      const auto* it =
          std::lower_bound(std::begin(kWidthMap), std::end(kWidthMap), c,
                           [](const WidthMapEntry& e, char32_t key) { return e.from < key; });
      if (it != std::end(kWidthMap) && it->from == c) {
        out += it->to;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::u32string UncurlQuotes(std::u32string_view text) {
  std::u32string out(text);
  for (char32_t& c : out) {
    if (c >= 0x2018 && c <= 0x201B) {
      c = U'\'';
    } else if (c >= 0x201C && c <= 0x201F) {
      c = U'"';
    }
  }
  return out;
}

std::u32string FixLineBreaks(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == U'\r') {
      if (i + 1 < text.size() && text[i + 1] == U'\n') ++i;
      out.push_back(U'\n');
    } else if (c == 0x2028 || c == 0x2029 || c == 0x85) {
      out.push_back(U'\n');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::u32string FixSurrogates(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 &&
        text[i + 1] <= 0xDFFF) {
      out.push_back(0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00));
      ++i;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      out.push_back(0xFFFD);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::u32string RemoveControlChars(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    const bool control = c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
                         (c >= 0x206A && c <= 0x206F) || c == 0xFEFF ||
                         (c >= 0xFFF9 && c <= 0xFFFC) || (c >= 0x1D173 && c <= 0x1D17A) ||
                         (c >= 0xE0000 && c <= 0xE007F);
    if (!control) out.push_back(c);
  }
  return out;
}

}  // namespace clipglass::tokenizers
