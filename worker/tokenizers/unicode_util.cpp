#include "worker/tokenizers/unicode_util.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace clipglass::tokenizers {
namespace {

bool IsSurrogate(char32_t c) { return c >= 0xD800 && c <= 0xDFFF; }

icu::UnicodeString ToIcu(std::u32string_view text) {
  return icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(text.data()),
                                       static_cast<int32_t>(text.size()));
}

std::u32string FromIcu(const icu::UnicodeString& text) {
  std::u32string out;
  out.reserve(text.length());
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    out.push_back(static_cast<char32_t>(c));
    i += U16_LENGTH(c);
  }
  return out;
}

// Applies `fn` to each run between lone surrogates (which UTF-16 cannot carry) and keeps the
// surrogates where they were.
template <typename Fn>
std::u32string MapAroundSurrogates(std::u32string_view text, Fn fn) {
  std::u32string out;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || IsSurrogate(text[i])) {
      if (i > start) out += fn(text.substr(start, i - start));
      if (i < text.size()) out.push_back(text[i]);
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

std::u32string NormalizeNfc(std::u32string_view text) {
  bool ascii = true;
  for (char32_t c : text) ascii = ascii && c < 0x80;
  if (ascii) return std::u32string(text);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return std::u32string(text);
  return MapAroundSurrogates(text, [&](std::u32string_view run) {
    UErrorCode run_status = U_ZERO_ERROR;
    const icu::UnicodeString source = ToIcu(run);
    if (nfc->isNormalized(source, run_status) && U_SUCCESS(run_status)) {
      return std::u32string(run);
    }
    run_status = U_ZERO_ERROR;
    const icu::UnicodeString normalized = nfc->normalize(source, run_status);
    return U_SUCCESS(run_status) ? FromIcu(normalized) : std::u32string(run);
  });
}

std::u32string ToLowerPython(std::u32string_view text) {
  bool ascii = true;
  for (char32_t c : text) ascii = ascii && c < 0x80;
  if (ascii) {
    std::u32string out(text);
    for (char32_t& c : out) {
      if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    }
    return out;
  }
  return MapAroundSurrogates(text, [](std::u32string_view run) {
    icu::UnicodeString s = ToIcu(run);
    s.toLower(icu::Locale::getRoot());
    return FromIcu(s);
  });
}

bool IsUnicodeWhiteSpace(char32_t c) {
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE);
}

bool IsPythonSpace(char32_t c) { return (c >= 0x1C && c <= 0x1F) || IsUnicodeWhiteSpace(c); }

bool IsPythonWordChar(char32_t c) {
  if (c < 0x80) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  const UChar32 u = static_cast<UChar32>(c);
  // str.isalnum(): a letter (L*) or a character with a numeric type (decimal, digit, numeric).
  return (U_GET_GC_MASK(u) & U_GC_L_MASK) != 0 ||
         u_getIntPropertyValue(u, UCHAR_NUMERIC_TYPE) != U_NT_NONE;
}

int PythonDigitValue(char32_t c, int base) {
  int value = -1;
  if (c >= 'a' && c <= 'z') {
    value = 10 + static_cast<int>(c - 'a');
  } else if (c >= 'A' && c <= 'Z') {
    value = 10 + static_cast<int>(c - 'A');
  } else if (u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER) {
    value = u_charDigitValue(static_cast<UChar32>(c));
  }
  return value >= 0 && value < base ? value : -1;
}

std::u32string_view StripPython(std::u32string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && IsPythonSpace(text[begin])) ++begin;
  while (end > begin && IsPythonSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

}  // namespace clipglass::tokenizers
