// Ref: rspeer/python-ftfy v5.8, ftfy/fixes.py (fix_encoding_and_explain,
// fix_one_step_and_explain, restore_byte_a0, replace_lossy_sequences,
// fix_partial_utf8_punct_in_1252), ftfy/chardata.py and ftfy/bad_codecs/utf8_variants.py.
#include "worker/tokenizers/ftfy_fix_encoding.h"

#include <algorithm>
#include <optional>
#include <string>

#include "worker/tokenizers/ftfy_badness.h"
#include "worker/tokenizers/pcre2_regex.h"
#include "worker/tokenizers/single_byte_codecs.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {
namespace {

// Python would loop as long as the text changes; real text settles in 2-4 steps. The cap only
// bounds pathological input.
constexpr int kMaxSteps = 16;

int EncodingCost(Charmap charmap) {
  switch (charmap) {
    case Charmap::kMacRoman:
    case Charmap::kIso8859_2:
    case Charmap::kSloppyWindows1250:
      return 2;
    case Charmap::kSloppyWindows1251:
    case Charmap::kCp437:
      return 3;
    default:
      return 0;
  }
}

// UTF-8 sequences that would be valid if a space were byte 0xA0 (chardata.ALTERED_UTF8_RE).
const Pcre2Regex& AlteredUtf8Regex() {
  static const Pcre2Regex regex = Pcre2Regex::CompileOrDie(
      "[\\xc2\\xc3\\xc5\\xce\\xd0][ ]"
      "|[\\xe0-\\xef][ ][\\x80-\\xbf]"
      "|[\\xe0-\\xef][\\x80-\\xbf][ ]"
      "|[\\xf0-\\xf4][ ][\\x80-\\xbf][\\x80-\\xbf]"
      "|[\\xf0-\\xf4][\\x80-\\xbf][ ][\\x80-\\xbf]"
      "|[\\xf0-\\xf4][\\x80-\\xbf][\\x80-\\xbf][ ]",
      Pcre2Regex::kBytes);
  return regex;
}

// UTF-8 sequences in which byte 0x1A stands for a lost byte (chardata.LOSSY_UTF8_RE).
const Pcre2Regex& LossyUtf8Regex() {
  static const Pcre2Regex regex = Pcre2Regex::CompileOrDie(
      "[\\xc2-\\xdf][\\x1a]"
      "|\\xed[\\xa0-\\xaf][\\x1a]\\xed[\\xb0-\\xbf][\\x1a\\x80-\\xbf]"
      "|\\xed[\\xa0-\\xaf][\\x1a\\x80-\\xbf]\\xed[\\xb0-\\xbf][\\x1a]"
      "|[\\xe0-\\xef][\\x1a][\\x1a\\x80-\\xbf]"
      "|[\\xe0-\\xef][\\x1a\\x80-\\xbf][\\x1a]"
      "|[\\xf0-\\xf4][\\x1a][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf]"
      "|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a][\\x1a\\x80-\\xbf]"
      "|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf][\\x1a]"
      "|\\x1a",
      Pcre2Regex::kBytes);
  return regex;
}

// Replaces each match of `regex` in `bytes` by fn(match).
template <typename Fn>
std::string SubstituteBytes(const Pcre2Regex& regex, const std::string& bytes, Fn fn) {
  std::string out;
  size_t last = 0;
  for (const auto& [begin, end] : regex.FindAll(bytes)) {
    out.append(bytes, last, begin - last);
    out += fn(bytes.substr(begin, end - begin));
    last = end;
  }
  out.append(bytes, last, std::string::npos);
  return out;
}

std::string RestoreByteA0(const std::string& bytes) {
  return SubstituteBytes(AlteredUtf8Regex(), bytes, [](std::string match) {
    std::replace(match.begin(), match.end(), ' ', '\xa0');
    return match;
  });
}

std::string ReplaceLossySequences(const std::string& bytes) {
  return SubstituteBytes(LossyUtf8Regex(), bytes,
                         [](const std::string&) { return std::string("\xEF\xBF\xBD"); });
}

// bytes.decode('utf-8-variants'): UTF-8, plus CESU-8 surrogate pairs (6 bytes) and Java's
// two-byte null (0xC0 followed by any byte). nullopt where it raises.
std::optional<std::u32string> DecodeUtf8Variants(std::string_view bytes) {
  std::u32string out;
  size_t pos = 0;
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  while (pos < bytes.size()) {
    const uint8_t b0 = byte(pos);
    if (b0 == 0xC0 && pos + 1 < bytes.size()) {
      out.push_back(0);
      pos += 2;
      continue;
    }
    if (b0 == 0xED && pos + 6 <= bytes.size() && byte(pos + 1) >= 0xA0 && byte(pos + 1) <= 0xAF &&
        (byte(pos + 2) & 0xC0) == 0x80 && byte(pos + 3) == 0xED && byte(pos + 4) >= 0xB0 &&
        byte(pos + 4) <= 0xBF && (byte(pos + 5) & 0xC0) == 0x80) {
      out.push_back(0x10000 + ((byte(pos + 1) & 0x0F) << 16) + ((byte(pos + 2) & 0x3F) << 10) +
                    ((byte(pos + 4) & 0x0F) << 6) + (byte(pos + 5) & 0x3F));
      pos += 6;
      continue;
    }
    char32_t c;
    int bad;
    const int length = DecodeUtf8Sequence(bytes.substr(pos), &c, &bad);
    if (length == 0) return std::nullopt;
    out.push_back(c);
    pos += length;
  }
  return out;
}

// "â€" + a Windows-1252 character of byte 0x80..0xBF: UTF-8 of U+2000..U+203F read as
// Windows-1252 (chardata.PARTIAL_UTF8_PUNCT_RE). Returns the punctuation it stands for, or 0.
char32_t PartialUtf8Punct(std::u32string_view text, size_t i) {
  if (i + 2 >= text.size() || text[i] != 0x00E2 || text[i + 1] != 0x20AC) return 0;
  for (int b = 0x80; b < 0xC0; ++b) {
    if (*DecodeByte(Charmap::kSloppyWindows1252, static_cast<uint8_t>(b)) == text[i + 2]) {
      return 0x2000 + (b - 0x80);
    }
  }
  return 0;
}

struct Step {
  std::u32string text;
  int cost = 0;
};

// fixes.fix_one_step_and_explain().
Step FixOneStep(std::u32string_view text) {
  if (text.empty()) return {std::u32string(text), 0};
  if (std::all_of(text.begin(), text.end(), [](char32_t c) { return c < 0x80; })) {
    return {std::u32string(text), 0};
  }

  bool latin1_possible = false;
  for (Charmap charmap : kFtfyCharmapEncodings) {
    if (!CanEncode(charmap, text)) continue;
    std::string bytes = EncodeCharmap(charmap, text);
    int cost = EncodingCost(charmap);
    if (!AlteredUtf8Regex().FindAll(bytes).empty()) {
      bytes = RestoreByteA0(bytes);
      cost += 2 * static_cast<int>(std::count(bytes.begin(), bytes.end(), '\xa0'));
    }
    if (IsSloppy(charmap) && bytes.find('\x1a') != std::string::npos) {
      bytes = ReplaceLossySequences(bytes);
    }
    const bool variants =
        bytes.find('\xed') != std::string::npos || bytes.find('\xc0') != std::string::npos;
    std::optional<std::u32string> fixed =
        variants ? DecodeUtf8Variants(bytes) : DecodeUtf8Strict(bytes);
    if (fixed) return {std::move(*fixed), cost};
    if (charmap == Charmap::kLatin1) latin1_possible = true;
  }

  // Blatant "â€x" punctuation mojibake, fixed in isolation.
  bool has_partial = false;
  for (size_t i = 0; i < text.size() && !has_partial; ++i) has_partial = PartialUtf8Punct(text, i);
  if (has_partial) {
    std::u32string fixed;
    for (size_t i = 0; i < text.size(); ++i) {
      if (const char32_t punct = PartialUtf8Punct(text, i)) {
        fixed.push_back(punct);
        i += 2;
      } else {
        fixed.push_back(text[i]);
      }
    }
    return {std::move(fixed), 1};
  }

  // Latin-1 with C1 controls that were meant as Windows-1252 (strict: its holes stay as they
  // are). ftfy never finds "windows-1252" among the possible encodings (it tries the sloppy one),
  // so this is the whole rule.
  if (latin1_possible) {
    const std::string bytes = EncodeCharmap(Charmap::kLatin1, text);
    if (std::optional<std::u32string> fixed = DecodeCharmap(Charmap::kWindows1252, bytes)) {
      const int cost = *fixed != text ? 1 : 0;
      return {std::move(*fixed), cost};
    }
  }
  return {std::u32string(text), 0};
}

}  // namespace

std::u32string FixEncoding(std::u32string_view input) {
  std::u32string text(input);
  std::u32string best = text;
  int best_cost = TextCost(text);
  int plan_cost = 0;
  for (int step = 0; step < kMaxSteps; ++step) {
    Step next = FixOneStep(text);
    plan_cost += next.cost;
    const bool unchanged = next.text == text;
    const int cost = TextCost(next.text) + plan_cost;
    if (cost < best_cost) {
      best_cost = cost;
      best = next.text;
    }
    if (unchanged) break;
    text = std::move(next.text);
  }
  return best;
}

}  // namespace clipglass::tokenizers
