// Ref: rspeer/python-ftfy v5.8, ftfy/badness.py and ftfy/build_data.py.
#include "worker/tokenizers/ftfy_badness.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <cstring>

#include "worker/tokenizers/pcre2_regex.h"
#include "worker/tokenizers/unicode_util.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {
namespace {

bool NameStartsWithLatin(UChar32 c) {
  // Every letter named "LATIN ..." is in the Latin script: skip the name lookup for the others.
  UErrorCode status = U_ZERO_ERROR;
  if (uscript_getScript(c, &status) != USCRIPT_LATIN) return false;
  char name[128];
  status = U_ZERO_ERROR;
  const int32_t length = u_charName(c, U_UNICODE_CHAR_NAME, name, sizeof(name), &status);
  return U_SUCCESS(status) && length >= 5 && std::strncmp(name, "LATIN", 5) == 0;
}

// Weird neighbours in the class string (badness._make_weirdness_regex).
const Pcre2Regex& WeirdnessRegex() {
  static const Pcre2Regex regex = Pcre2Regex::CompileOrDie(
      "[^CM]M|[Ll][AaC]|[AaC][Ll]|[LA]i|i[LA]|2|X|P|_|"
      "M[mN13]|m[MN13]|N[Mm13]|1[MmN3]|3[MmN1]",
      Pcre2Regex::kBytes);
  return regex;
}

// Sequences that are typical mojibake (badness.MOJIBAKE_SYMBOL_RE). `\w` is Python's: a letter,
// a number or '_'.
const Pcre2Regex& MojibakeSymbolRegex() {
  static const Pcre2Regex regex = Pcre2Regex::CompileOrDie(
      // UTF-8 of Latin-1, Greek, Cyrillic, Arabic letters read as Latin-1/Windows-125x.
      "[ÂÃÎÏÐÑØÙĂĎĐŃŘŮ][\\x{80}-\\x{9f}€ƒ‚„†‡ˆ‰‹Œ“•˜œŸ¡¢£¤¥¦§¨ª«¬¯°±²³µ¶·¸¹º¼½¾¿ˇ˘˝]|"
      // The same, only trusted inside a word.
      "[ÂÃÎÏÐÑØÙĂĎĐŃŘŮ][›»‘”´©™][\\p{L}\\p{N}_]|"
      // Hebrew read as Windows-1252.
      "×[\\x{80}-\\x{9f}ƒ‚„†‡ˆ‰‹Œ“•˜œŸ¡¦§¨ª«¬¯°²³ˇ˘›‘”´©™]|"
      // MacRoman mojibake of accented letters.
      "[¬√][ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñúùûü†¢£§¶ß®©™≠ÆØ¥ªæø≤≥]|"
      "[\\p{L}\\p{N}_]√[±∂][\\p{L}\\p{N}_]|"
      "◊|"
      // Characters U+10000..U+1FFFF (emoji) read as Latin-1/Windows-1252.
      "[ðđ][Ÿ\\x{9f}]|"
      // Windows punctuation read as Windows-1252/1250, and as Windows-1251.
      "â€|"
      "вЂ[љћ¦°№™ќ“”]",
      Pcre2Regex::kUtf | Pcre2Regex::kUcp);
  return regex;
}

// Symbols that occur in mojibake but also on their own (badness.COMMON_SYMBOL_RE).
bool IsCommonSymbol(char32_t c) {
  switch (c) {
    case 0x2026:  // …
    case 0x2014:  // —
    case 0x2013:  // –
    case 0x2018:  // ‘
    case 0x201C:  // “
    case 0x2019:  // ’
    case 0x201D:  // ”
    case 0x00A1:  // ¡
    case 0x00BF:  // ¿
    case 0x00B0:  // °
    case 0x2122:  // ™
    case 0x00AE:  // ®
    case 0x2039:  // ‹
    case 0x203A:  // ›
    case 0x00AB:  // «
    case 0x00BB:  // »
    case 0x00A0:  // no-break space
    case 0x00B4:  // ´
    case 0x00D7:  // ×
    case 0x00DF:  // ß
    case 0xFEFF:  // byte-order mark
      return true;
    default:
      return false;
  }
}

}  // namespace

char FtfyCharClass(char32_t c) {
  // Exceptions first, as build_data.py applies them last.
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0C:
    case 0x0D:
      return ' ';
    case U'^':
    case U'~':
    case U'`':
    case 0x00B4:  // ´
    case 0x02DD:  // ˝
    case 0xFF3E:  // ＾
    case 0xFF40:  // ｀
      return 'o';
    default:
      break;
  }
  if (c > 0x10FFFF) return '_';
  const UChar32 u = static_cast<UChar32>(c);
  if (c >= 0x250 && c < 0x300 && c != 0x259) return 'i';  // IPA, except the schwa
  const int8_t type = u_charType(u);
  switch (type) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      if (NameStartsWithLatin(u)) return type == U_UPPERCASE_LETTER ? 'L' : 'l';
      if (type == U_UPPERCASE_LETTER || type == U_TITLECASE_LETTER) return 'A';
      if (type == U_LOWERCASE_LETTER) return 'a';
      if (type == U_OTHER_LETTER) return 'C';
      return 'm';
    default:
      break;
  }
  // Variation selectors and skin-tone modifiers act as symbols.
  if ((c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x1F3FB && c <= 0x1F3FF)) return '3';
  switch (type) {
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK:
      return 'M';
    case U_OTHER_NUMBER:
      return 'N';
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
      return '1';
    case U_MODIFIER_SYMBOL:
      return '2';
    case U_OTHER_SYMBOL:
      return '3';
    case U_CONTROL_CHAR:
      return 'X';
    case U_SURROGATE:
      return 'S';
    case U_PRIVATE_USE_CHAR:
      return 'P';
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      return ' ';
    default:
      break;
  }
  if (c >= 0x1F000 && c <= 0x1FFFF) return '3';  // emoji yet to be assigned
  if (type == U_UNASSIGNED) return '_';
  return 'o';
}

int SequenceWeirdness(std::u32string_view text) {
  const std::u32string text2 = NormalizeNfc(text);
  std::string classes;
  classes.reserve(text2.size());
  int common = 0;
  for (char32_t c : text2) {
    classes.push_back(FtfyCharClass(c));
    common += IsCommonSymbol(c) ? 1 : 0;
  }
  const int weirdness = static_cast<int>(WeirdnessRegex().CountMatches(classes));
  const int mojibake = static_cast<int>(MojibakeSymbolRegex().CountMatches(EncodeUtf8(text2)));
  return weirdness * 2 + mojibake * 2 - common;
}

int TextCost(std::u32string_view text) {
  return SequenceWeirdness(text) + static_cast<int>(text.size());
}

}  // namespace clipglass::tokenizers
