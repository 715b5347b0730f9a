// HTML character references: Python's html.unescape, which CLIP's clean-up applies twice.
#pragma once

#include <string>
#include <string_view>

namespace clipglass::tokenizers {

// The replacement text of the HTML5 named reference `name` (with its ';' when it has one, e.g.
// "amp;" or the legacy "amp"), or nullptr when HTML5 does not define it.
const char32_t* LookupHtml5Entity(std::u32string_view name);

// html.unescape(text) (Python 3.11): named references by HTML5's table, including the legacy
// ones without ';' and the longest-prefix rule ("&ampx" -> "&x"); numeric references with the
// HTML5 fix-ups (&#x80; -> U+20AC, &#0; and surrogates -> U+FFFD, control and non-characters
// dropped).
// Ref: cpython Lib/html/__init__.py, unescape() and _replace_charref().
std::u32string PythonHtmlUnescape(std::u32string_view text);

}  // namespace clipglass::tokenizers
