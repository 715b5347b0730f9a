#include "worker/tokenizers/html_unescape.h"

#include <algorithm>
#include <cstring>

namespace clipglass::tokenizers {
namespace {

#include "worker/tokenizers/html5_entities.inc"

// Numbers past this are all "too large" to Python; saturating keeps the arithmetic in range.
constexpr uint64_t kSaturated = 0x7FFFFFFF;

bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsAsciiHexDigit(char32_t c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char32_t c) {
  if (IsAsciiDigit(c)) return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  return static_cast<int>(c - 'A' + 10);
}

// html._invalid_charrefs: numeric references HTML5 maps to something else.
bool InvalidCharref(uint64_t num, std::u32string* out) {
  static constexpr char16_t kC1[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  if (num == 0x00) {
    out->push_back(0xFFFD);
  } else if (num == 0x0D) {
    out->push_back(U'\r');
  } else if (num >= 0x80 && num <= 0x9F) {
    out->push_back(kC1[num - 0x80]);
  } else {
    return false;
  }
  return true;
}

// html._invalid_codepoints: references to these produce nothing.
bool InvalidCodepoint(uint64_t num) {
  if ((num >= 0x1 && num <= 0x8) || num == 0xB || (num >= 0xE && num <= 0x1F)) return true;
  if (num >= 0x7F && num <= 0x9F) return true;
  if (num >= 0xFDD0 && num <= 0xFDEF) return true;
  return (num & 0xFFFE) == 0xFFFE && num <= 0x10FFFF;
}

void AppendNumericCharref(uint64_t num, std::u32string* out) {
  if (InvalidCharref(num, out)) return;
  if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
    out->push_back(0xFFFD);
    return;
  }
  if (InvalidCodepoint(num)) return;
  out->push_back(static_cast<char32_t>(num));
}

// Characters that end a named reference in html's _charref pattern: [^\t\n\f <&#;].
bool EndsName(char32_t c) {
  return c == U'\t' || c == U'\n' || c == U'\f' || c == U' ' || c == U'<' || c == U'&' ||
         c == U'#' || c == U';';
}

}  // namespace

const char32_t* LookupHtml5Entity(std::u32string_view name) {
  std::string ascii;
  ascii.reserve(name.size());
  for (char32_t c : name) {
    if (c >= 0x80) return nullptr;
    ascii.push_back(static_cast<char>(c));
  }
  const auto* begin = std::begin(kHtml5Entities);
  const auto* end = std::end(kHtml5Entities);
  const auto* it =
      std::lower_bound(begin, end, ascii, [](const Html5Entity& e, const std::string& key) {
        return std::strcmp(e.name, key.c_str()) < 0;
      });
  if (it == end || ascii != it->name) return nullptr;
  return it->value;
}

std::u32string PythonHtmlUnescape(std::u32string_view text) {
  if (text.find(U'&') == std::u32string_view::npos) return std::u32string(text);
  std::u32string out;
  out.reserve(text.size());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (text[i] != U'&') {
      out.push_back(text[i++]);
      continue;
    }
    const size_t j = i + 1;
    if (j < n && text[j] == U'#') {
      // '#[0-9]+;?' or '#[xX][0-9a-fA-F]+;?'
      size_t k = j + 1;
      const bool hex = k < n && (text[k] == U'x' || text[k] == U'X');
      if (hex) ++k;
      const size_t digits_begin = k;
      uint64_t num = 0;
      while (k < n && (hex ? IsAsciiHexDigit(text[k]) : IsAsciiDigit(text[k]))) {
        num = std::min(kSaturated, num * (hex ? 16 : 10) + HexValue(text[k]));
        ++k;
      }
      if (k == digits_begin) {  // no reference here: keep the '&'
        out.push_back(text[i++]);
        continue;
      }
      if (k < n && text[k] == U';') ++k;
      AppendNumericCharref(num, &out);
      i = k;
      continue;
    }
    // '[^\t\n\f <&#;]{1,32};?'
    size_t e = j;
    while (e < n && e - j < 32 && !EndsName(text[e])) ++e;
    if (e == j) {
      out.push_back(text[i++]);
      continue;
    }
    const size_t match_end = (e < n && text[e] == U';') ? e + 1 : e;
    const std::u32string_view name = text.substr(j, match_end - j);
    if (const char32_t* value = LookupHtml5Entity(name)) {
      out += value;
    } else {
      // The longest prefix (of at least 2 characters) that is a reference, as the standard says.
      bool found = false;
      for (size_t x = name.size() - 1; x > 1; --x) {
        if (const char32_t* prefix_value = LookupHtml5Entity(name.substr(0, x))) {
          out += prefix_value;
          out += name.substr(x);
          found = true;
          break;
        }
      }
      if (!found) {
        out.push_back(U'&');
        out += name;
      }
    }
    i = match_end;
  }
  return out;
}

}  // namespace clipglass::tokenizers
