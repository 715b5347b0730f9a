// The few Unicode operations the text clean-up needs with Python's exact meaning, done with ICU.
#pragma once

#include <string>
#include <string_view>

namespace clipglass::tokenizers {

// unicodedata.normalize('NFC', text). Lone surrogates pass through unchanged.
std::u32string NormalizeNfc(std::u32string_view text);

// str.lower(): full lower-case mapping with the final-sigma rule (ICU's root locale).
std::u32string ToLowerPython(std::u32string_view text);

// The White_Space property: what `\s` matches in the `regex` module.
bool IsUnicodeWhiteSpace(char32_t c);

// str.isspace(): White_Space plus U+001C..U+001F; what str.strip() removes.
bool IsPythonSpace(char32_t c);

// What `\w` matches in Python's `re` on str: str.isalnum() or '_'.
bool IsPythonWordChar(char32_t c);

// The digit value int() gives a character in `base` (2..36), or -1: Unicode decimal digits (Nd)
// and ASCII letters.
int PythonDigitValue(char32_t c, int base);

// str.strip(): removes IsPythonSpace characters at both ends.
std::u32string_view StripPython(std::u32string_view text);

}  // namespace clipglass::tokenizers
