// The Python-exact primitives under the tokenizers: html.unescape, UTF-8 decoding with
// errors='replace', the `regex` module's \s, str.strip/lower.
#include <gtest/gtest.h>

#include <string>

#include "worker/tokenizers/html_unescape.h"
#include "worker/tokenizers/pcre2_regex.h"
#include "worker/tokenizers/unicode_util.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {
namespace {

std::string Unescape(const std::string& utf8) {
  return EncodeUtf8(PythonHtmlUnescape(*DecodeUtf8(utf8)));
}

TEST(PythonHtmlUnescapeTest, MatchesPython311) {
  // Expected values printed by Python 3.11's html.unescape.
  const std::pair<std::string, std::string> cases[] = {
      {"&amp", "&"},
      {"&ampx", "&x"},
      {"&amp;x", "&x"},
      {"&#0;", "\uFFFD"},
      {"&#x80;", "€"},
      {"&#1;", ""},
      {"&#x110000;", "\uFFFD"},
      {"&#xD800;", "\uFFFD"},
      {"&notit;", "¬it;"},
      {"&notin;", "∉"},
      {"&zz;", "&zz;"},
      {"&#65", "A"},
      {"&#x41g", "Ag"},
      {"&#", "&#"},
      {"&#x", "&#x"},
      {"&AMP;", "&"},
      {"&ampamp;", "&amp;"},
      {"&#13;", "\r"},
      {"&#x9F;", "Ÿ"},
      {"&#11;", ""},
      {"&#xFFFE;", ""},
      {"&#65;&#66;", "AB"},
      {"a&b", "a&b"},
      {"&" + std::string(40, 'a') + ";", "&" + std::string(40, 'a') + ";"},
      {"&lt;&lt", "<<"},
      {"&acute;x", "´x"},
      {"&#99999999999999999999;", "\uFFFD"},
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(Unescape(input), expected) << input;
}

TEST(Utf8Test, ReplaceGivesOneReplacementPerMaximalSubpart) {
  // Expected values printed by Python's bytes.decode('utf-8', errors='replace').
  EXPECT_EQ(DecodeUtf8Replace("\xf0\x9f\x98\x80"), "😀");
  EXPECT_EQ(DecodeUtf8Replace("\xf0\x9f\x98"), "\uFFFD");
  EXPECT_EQ(DecodeUtf8Replace("\xf0\x9f\x98z"), "\uFFFDz");
  EXPECT_EQ(DecodeUtf8Replace("\xed\xa0\x80"), "\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(DecodeUtf8Replace("\xc0\x80"), "\uFFFD\uFFFD");
  EXPECT_EQ(DecodeUtf8Replace("\xe0\x80\x80"), "\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(DecodeUtf8Replace("\xf4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(DecodeUtf8Replace("\xe2\x82"), "\uFFFD");
  EXPECT_EQ(DecodeUtf8Replace("\x80\xbf"), "\uFFFD\uFFFD");
  EXPECT_EQ(DecodeUtf8Replace("\xff a"), "\uFFFD a");
}

TEST(Utf8Test, StrictDecodingNamesTheOffset) {
  auto bad = DecodeUtf8("ok\xe2\x82");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("byte 2"), std::string::npos);
  EXPECT_EQ(*DecodeUtf8("a\xc3\xa9"), U"a\u00e9");
}

TEST(UnicodeUtilTest, WhiteSpaceIsTheRegexModulesSet) {
  // `\s` of Python's `regex` module, listed by running it over all code points.
  const char32_t expected[] = {0x9,    0xa,    0xb,    0xc,    0xd,    0x20,   0x85,
                               0xa0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
                               0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
                               0x2029, 0x202f, 0x205f, 0x3000};
  std::u32string found;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (IsUnicodeWhiteSpace(c)) found.push_back(c);
  }
  EXPECT_EQ(found, std::u32string(std::begin(expected), std::end(expected)));
  EXPECT_TRUE(IsPythonSpace(0x1C));
  EXPECT_FALSE(IsUnicodeWhiteSpace(0x1C));
  EXPECT_FALSE(IsUnicodeWhiteSpace(0x180E));
  EXPECT_FALSE(IsUnicodeWhiteSpace(0x200B));
}

TEST(UnicodeUtilTest, LowerIsPythons) {
  EXPECT_EQ(EncodeUtf8(ToLowerPython(*DecodeUtf8("ΣΊΣΥΦΟΣ İstanbul STRASSE"))),
            "σίσυφος i̇stanbul strasse");
  EXPECT_EQ(EncodeUtf8(NormalizeNfc(*DecodeUtf8("cafe\u0301"))), "café");
}

TEST(Pcre2RegexTest, FindAllIsLikeFindall) {
  const Pcre2Regex regex =
      Pcre2Regex::CompileOrDie("[\\p{L}]+|[\\p{N}]", Pcre2Regex::kUtf | Pcre2Regex::kUcp);
  const std::string text = "héllo 42 wörld";
  std::vector<std::string> words;
  for (const auto& [b, e] : regex.FindAll(text)) words.push_back(text.substr(b, e - b));
  EXPECT_EQ(words, (std::vector<std::string>{"héllo", "4", "2", "wörld"}));
  EXPECT_FALSE(Pcre2Regex::Compile("(unclosed", Pcre2Regex::kUtf).ok());
}

}  // namespace
}  // namespace clipglass::tokenizers
