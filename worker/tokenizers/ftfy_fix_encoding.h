// ftfy's mojibake repair: text that was UTF-8 but got decoded as a single-byte encoding
// ("cafÃ©", "donâ€™t") is re-encoded with that encoding and decoded as UTF-8 again.
#pragma once

#include <string>
#include <string_view>

namespace clipglass::tokenizers {

// ftfy.fixes.fix_encoding(). The rule, as ftfy 5.x states it:
//  1. ASCII text is left alone.
//  2. One step: for Latin-1, sloppy Windows-1252/1250, ISO-8859-2, sloppy Windows-1251, MacRoman
//     and cp437 in that order, if every character is one the encoding can produce, encode with it
//     (putting back 0xA0 bytes that became spaces inside would-be UTF-8 sequences, and turning
//     sequences that lost a byte to U+FFFD) and decode as UTF-8 (or the CESU-8/Java variant when
//     bytes 0xED or 0xC0 appear). The first that decodes wins. Otherwise fix "â€" + punctuation
//     sequences alone, or read C1 controls as Windows-1252.
//  3. Repeat the step while it changes the text, and keep the version with the lowest cost =
//     TextCost() + the steps' costs (0 for Latin-1/Windows-1252, 2 for MacRoman, ISO-8859-2 and
//     Windows-1250, 3 for Windows-1251 and cp437, 2 per restored 0xA0 byte, 1 for the partial
//     and the C1 fixes). So a re-decoding is applied only when it makes the text plausible:
//     shorter and without the sequences typical of mojibake.
std::u32string FixEncoding(std::u32string_view text);

}  // namespace clipglass::tokenizers
