// The individual fixers ftfy.fix_text applies (all but the mojibake repair, which is in
// ftfy_fix_encoding.h). Each takes and returns code points, as the Python functions take str.
#pragma once

#include <string>
#include <string_view>

namespace clipglass::tokenizers {

// Removes "ESC [ digits-or-semicolons letter" terminal sequences (colours, cursor moves).
std::u32string RemoveTerminalEscapes(std::u32string_view text);

// ftfy's own unescape_html: "&name;" (HTML5 names of up to 8 characters) and "&#N;" / "&#xN;",
// with &#x80;..&#x9F; read as Windows-1252. Unlike html.unescape it needs the ';'.
std::u32string FtfyUnescapeHtml(std::u32string_view text);

// ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ Ĳ ĳ -> their letters.
std::u32string FixLatinLigatures(std::u32string_view text);

// Full-width and half-width forms (U+FF01..U+FFEF) -> their NFKC forms; U+3000 -> space.
std::u32string FixCharacterWidth(std::u32string_view text);

// U+2018..U+201B -> ', U+201C..U+201F -> ".
std::u32string UncurlQuotes(std::u32string_view text);

// \r\n, \r, U+2028, U+2029, U+0085 -> \n.
std::u32string FixLineBreaks(std::u32string_view text);

// Surrogate pairs -> the character they encode; lone surrogates -> U+FFFD.
std::u32string FixSurrogates(std::u32string_view text);

// Removes C0 controls but \t \n \f \r, DEL, U+206A..U+206F, U+FEFF, U+FFF9..U+FFFC,
// U+1D173..U+1D17A and tags U+E0000..U+E007F.
std::u32string RemoveControlChars(std::u32string_view text);

}  // namespace clipglass::tokenizers
