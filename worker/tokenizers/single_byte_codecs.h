// The single-byte encodings ftfy re-encodes text with to undo mojibake, as Python's codecs and
// ftfy's "sloppy" variants define them (tables in charmap_tables.inc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clipglass::tokenizers {

enum class Charmap {
  kLatin1,
  kSloppyWindows1252,  // windows-1252 whose 5 holes decode as Latin-1; 0x1A <-> U+FFFD
  kSloppyWindows1250,
  kIso8859_2,
  kSloppyWindows1251,
  kMacRoman,
  kCp437,
  kWindows1252,  // strict: bytes 0x81 0x8D 0x8F 0x90 0x9D do not decode
};

// The encodings ftfy 5.8 tries, in its order (chardata.CHARMAP_ENCODINGS).
inline constexpr Charmap kFtfyCharmapEncodings[] = {
    Charmap::kLatin1,    Charmap::kSloppyWindows1252, Charmap::kSloppyWindows1250,
    Charmap::kIso8859_2, Charmap::kSloppyWindows1251, Charmap::kMacRoman,
    Charmap::kCp437,
};

bool IsSloppy(Charmap charmap);

// The code point byte `b` decodes to, or nullopt where the codec has no mapping.
std::optional<char32_t> DecodeByte(Charmap charmap, uint8_t b);

// ftfy's possible_encoding(): every character is one the codec can produce. As in ftfy, U+001A
// itself only counts for the non-sloppy codecs (the sloppy ones use byte 0x1A for U+FFFD).
bool CanEncode(Charmap charmap, std::u32string_view text);

// text.encode(codec). REQUIRES: CanEncode(charmap, text).
std::string EncodeCharmap(Charmap charmap, std::u32string_view text);

// bytes.decode(codec) (strict): nullopt when a byte has no mapping.
std::optional<std::u32string> DecodeCharmap(Charmap charmap, std::string_view bytes);

}  // namespace clipglass::tokenizers
