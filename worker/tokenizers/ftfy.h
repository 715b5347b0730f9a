// ftfy.fix_text with its default options: the first step of CLIP's text clean-up.
#pragma once

#include <string>
#include <string_view>

namespace clipglass::tokenizers {

// ftfy.fix_text(text) with ftfy 5.8's defaults. Line by line (a line ends after '\n'); HTML
// entities are decoded until a line holds both '<' and '>' (then it looks like HTML and entities
// stay, for that line and the rest). Each line is fixed by FixTextSegment; lines over a million
// characters skip the mojibake repair.
std::u32string FixText(std::u32string_view text);

// ftfy.fix_text_segment: repeats, until nothing changes, RemoveTerminalEscapes, FixEncoding,
// FtfyUnescapeHtml (if `fix_entities` and the segment has no '<'...'>' pair), FixLatinLigatures,
// FixCharacterWidth, UncurlQuotes, FixLineBreaks, FixSurrogates, RemoveControlChars, NFC.
std::u32string FixTextSegment(std::u32string_view text, bool fix_entities = true,
                              bool fix_encoding = true);

}  // namespace clipglass::tokenizers
