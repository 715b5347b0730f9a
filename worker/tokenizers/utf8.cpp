#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {

int DecodeUtf8Sequence(std::string_view bytes, char32_t* code_point, int* bad_length) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  const uint8_t b0 = p[0];
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  // Ref: Unicode 15, Table 3-7 (well-formed UTF-8 byte sequences).
  int length = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  char32_t value = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    value = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    value = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    *bad_length = 1;
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    const uint8_t lower = i == 1 ? lo : 0x80;
    const uint8_t upper = i == 1 ? hi : 0xBF;
    if (static_cast<size_t>(i) >= n || p[i] < lower || p[i] > upper) {
      *bad_length = i;
      return 0;
    }
    value = (value << 6) | (p[i] & 0x3F);
  }
  *code_point = value;
  return length;
}

StatusOr<std::u32string> DecodeUtf8(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    char32_t c;
    int bad;
    const int length = DecodeUtf8Sequence(bytes.substr(pos), &c, &bad);
    if (length == 0) {
      return InvalidArgumentError("text is not valid UTF-8 (ill-formed sequence at byte " +
                                  std::to_string(pos) + ")");
    }
    out.push_back(c);
    pos += length;
  }
  return out;
}

std::optional<std::u32string> DecodeUtf8Strict(std::string_view bytes) {
  StatusOr<std::u32string> decoded = DecodeUtf8(bytes);
  if (!decoded.ok()) return std::nullopt;
  return std::move(decoded).value();
}

std::string DecodeUtf8Replace(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 8);
  size_t pos = 0;
  while (pos < bytes.size()) {
    char32_t c;
    int bad;
    const int length = DecodeUtf8Sequence(bytes.substr(pos), &c, &bad);
    if (length > 0) {
      out.append(bytes.data() + pos, length);
      pos += length;
    } else {
      out += "\xEF\xBF\xBD";
      pos += bad;
    }
  }
  return out;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
  if (c > 0x10FFFF) c = 0xFFFD;
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

}  // namespace clipglass::tokenizers
