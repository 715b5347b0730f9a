#include "worker/tokenizers/single_byte_codecs.h"

#include <array>
#include <unordered_map>

namespace clipglass::tokenizers {
namespace {

#include "worker/tokenizers/charmap_tables.inc"

constexpr char32_t kNoMapping = 0xFFFFFFFF;
constexpr int kNumCharmaps = 8;

const char32_t* DecodeTable(Charmap charmap) {
  switch (charmap) {
    case Charmap::kLatin1:
      return kLatin1Decode;
    case Charmap::kSloppyWindows1252:
      return kSloppyWindows1252Decode;
    case Charmap::kSloppyWindows1250:
      return kSloppyWindows1250Decode;
    case Charmap::kIso8859_2:
      return kIso8859_2Decode;
    case Charmap::kSloppyWindows1251:
      return kSloppyWindows1251Decode;
    case Charmap::kMacRoman:
      return kMacRomanDecode;
    case Charmap::kCp437:
      return kCp437Decode;
    case Charmap::kWindows1252:
      return kWindows1252Decode;
  }
  return kLatin1Decode;
}

// Non-ASCII code point -> byte, per codec (ASCII maps to itself in every one of them).
using EncodeMap = std::unordered_map<char32_t, uint8_t>;

const std::array<EncodeMap, kNumCharmaps>& EncodeMaps() {
  static const std::array<EncodeMap, kNumCharmaps> maps = [] {
    std::array<EncodeMap, kNumCharmaps> built;
    for (int i = 0; i < kNumCharmaps; ++i) {
      const char32_t* table = DecodeTable(static_cast<Charmap>(i));
      for (int b = 0; b < 256; ++b) {
        if (table[b] != kNoMapping && table[b] >= 0x80) {
          built[i].emplace(table[b], static_cast<uint8_t>(b));
        }
      }
    }
    return built;
  }();
  return maps;
}

// The byte `c` encodes to, or -1.
int EncodeChar(Charmap charmap, char32_t c) {
  if (c < 0x80) return (c == 0x1A && IsSloppy(charmap)) ? -1 : static_cast<int>(c);
  const EncodeMap& map = EncodeMaps()[static_cast<int>(charmap)];
  const auto it = map.find(c);
  return it == map.end() ? -1 : it->second;
}

}  // namespace

bool IsSloppy(Charmap charmap) {
  return charmap == Charmap::kSloppyWindows1250 || charmap == Charmap::kSloppyWindows1251 ||
         charmap == Charmap::kSloppyWindows1252;
}

std::optional<char32_t> DecodeByte(Charmap charmap, uint8_t b) {
  const char32_t c = DecodeTable(charmap)[b];
  if (c == kNoMapping) return std::nullopt;
  return c;
}

bool CanEncode(Charmap charmap, std::u32string_view text) {
  for (char32_t c : text) {
    if (EncodeChar(charmap, c) < 0) return false;
  }
  return true;
}

std::string EncodeCharmap(Charmap charmap, std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) out.push_back(static_cast<char>(EncodeChar(charmap, c)));
  return out;
}

std::optional<std::u32string> DecodeCharmap(Charmap charmap, std::string_view bytes) {
  const char32_t* table = DecodeTable(charmap);
  std::u32string out;
  out.reserve(bytes.size());
  for (char b : bytes) {
    const char32_t c = table[static_cast<uint8_t>(b)];
    if (c == kNoMapping) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

}  // namespace clipglass::tokenizers
