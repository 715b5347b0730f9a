// ftfy's behaviour as its own documentation and tests state it (v5.8 doctests), beyond the
// fixture's cases.
#include "worker/tokenizers/ftfy.h"

#include <gtest/gtest.h>

#include <string>

#include "worker/tokenizers/ftfy_badness.h"
#include "worker/tokenizers/ftfy_fix_encoding.h"
#include "worker/tokenizers/ftfy_fixes.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {
namespace {

std::u32string U32(const std::string& utf8) { return *DecodeUtf8(utf8); }
std::string Fix(const std::string& utf8) { return EncodeUtf8(FixText(U32(utf8))); }
std::string FixEnc(const std::string& utf8) { return EncodeUtf8(FixEncoding(U32(utf8))); }

TEST(FtfyFixTextTest, DocumentedExamples) {
  EXPECT_EQ(Fix("u\u00cc\u02c6nicode"), "ünicode");  // 'uÌˆnicode'
  EXPECT_EQ(Fix("Broken text&hellip; it&#x2019;s ﬂubberiﬁc!"), "Broken text… it's flubberific!");
  EXPECT_EQ(Fix("HTML entities &lt;3"), "HTML entities <3");
  EXPECT_EQ(Fix("<em>HTML entities &lt;3</em>"), "<em>HTML entities &lt;3</em>");
  EXPECT_EQ(Fix("&macr;\\_(\u00e3\u0083\u0084)_/&macr;"), "¯\\_(ツ)_/¯");
  EXPECT_EQ(Fix("\ufeffParty like\nit&rsquo;s 1999!"), "Party like\nit's 1999!");
  EXPECT_EQ(Fix("ＬＯＵＤ　ＮＯＩＳＥＳ"), "LOUD NOISES");
  EXPECT_EQ(Fix(""), "");
}

TEST(FtfyFixTextTest, LigaturesOnLongTextKeepTheirLength) {
  std::u32string many(100000, 0xFB01);  // 'ﬁ' x 100000
  EXPECT_EQ(FixText(many).size(), 200000u);
}

TEST(FtfyFixTextTest, EntitiesStopAfterALineThatLooksLikeHtml) {
  EXPECT_EQ(Fix("&amp;\n<html>\n&amp;"), "&\n<html>\n&amp;");
  EXPECT_EQ(EncodeUtf8(FixTextSegment(U32("&amp;\n<html>\n&amp;"))), "&amp;\n<html>\n&amp;");
}

TEST(FtfyFixTextTest, DoubleEscapedEntitiesAreFixedToAFixedPoint) {
  EXPECT_EQ(Fix("&amp;amp;"), "&");
  EXPECT_EQ(Fix("&#x80;uro &#150; dash"), "€uro – dash");
}

TEST(FtfyFixEncodingTest, DocumentedExamples) {
  EXPECT_EQ(FixEnc("\u00c3\u00banico"), "único");  // 'Ãºnico'
  EXPECT_EQ(FixEnc("This text is fine already :þ"), "This text is fine already :þ");
  EXPECT_EQ(FixEnc("This â€” should be an em dash"), "This — should be an em dash");
  EXPECT_EQ(FixEnc("This text is sad .\u00e2\u0081\u201d."), "This text is sad .⁔.");
  EXPECT_EQ(FixEnc("not such a fan of Charlotte Brontë…”"), "not such a fan of Charlotte Brontë…”");
  EXPECT_EQ(FixEnc("The more you know ðŸŒ "), "The more you know 🌠");
  EXPECT_EQ(FixEnc("AHÅ™, the new sofa from IKEA®"), "AHÅ™, the new sofa from IKEA®");
  EXPECT_EQ(FixEnc("This text was never UTF-8 at all\u0085"), "This text was never UTF-8 at all…");
}

TEST(FtfyFixEncodingTest, FixesSeveralLayers) {
  // 'ಠ_ಠ' encoded as UTF-8 and decoded as Latin-1, twice.
  EXPECT_EQ(FixEnc("\u00c3\u00a0\u00c2\u00b2\u00c2\u00a0_\u00c3\u00a0\u00c2\u00b2\u00c2\u00a0"),
            "ಠ_ಠ");
}

TEST(FtfyFixEncodingTest, GeorgianMtavruliRoundTrips) {
  const std::string text = "ᲥᲐᲠᲗᲣᲚᲘ ᲔᲜᲐ";
  EXPECT_EQ(SequenceWeirdness(U32(text)), 0);
  // Its UTF-8 bytes read as (sloppy) Windows-1252.
  std::string mojibake;
  for (unsigned char b : text) {
    static const char32_t kHigh[32] = {
        0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
        0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};
    AppendUtf8(b >= 0x80 && b < 0xA0 ? kHigh[b - 0x80] : b, &mojibake);
  }
  EXPECT_EQ(FixEnc(mojibake), text);
}

TEST(FtfyFixEncodingTest, PlausibleTextIsLeftAlone) {
  for (const std::string text : {"café naïve résumé", "Ångström", "×2 multiplier", "¿Qué?",
                                 "naïve café — “quoted”", "中文字符测试", "Привет мир"}) {
    EXPECT_EQ(FixEnc(text), text);
  }
}

TEST(FtfyFixesTest, IndividualFixers) {
  EXPECT_EQ(EncodeUtf8(FixCharacterWidth(U32("Ｕﾀｰﾝ"))), "Uターン");
  EXPECT_EQ(EncodeUtf8(FixLatinLigatures(U32("ﬂuﬃeﬆ"))), "fluffiest");
  EXPECT_EQ(EncodeUtf8(UncurlQuotes(U32("\u201chere\u2019s a test\u201d"))), "\"here's a test\"");
  EXPECT_EQ(
      EncodeUtf8(RemoveTerminalEscapes(U32("\x1b[36;44mI'm blue, da ba dee da ba doo...\x1b[0m"))),
      "I'm blue, da ba dee da ba doo...");
  EXPECT_EQ(EncodeUtf8(FixLineBreaks(U32("a\r\nb\rc\u2028d\u2029e\u0085f"))), "a\nb\nc\nd\ne\nf");
  EXPECT_EQ(FixSurrogates(std::u32string{0xD83D, 0xDCA9}), U"\U0001F4A9");
  EXPECT_EQ(FixSurrogates(std::u32string{0xDCA9, 0xD83D}), U"\uFFFD\uFFFD");
  EXPECT_EQ(RemoveControlChars(U"a\x01\t\n\x0b\x0c\r\x7f\ufeff\U000E0041b"), U"a\t\n\x0c\rb");
}

TEST(FtfyFixesTest, FtfyEntitiesNeedTheSemicolonAndAtMostEightCharacters) {
  EXPECT_EQ(EncodeUtf8(FtfyUnescapeHtml(U32("&amp &amp; &eacute; &#39; &#x27; &#150; &#xZZ;"))),
            "&amp & é ' ' – &#xZZ;");
  EXPECT_EQ(EncodeUtf8(FtfyUnescapeHtml(U32("&CounterClockwiseContourIntegral;"))),
            "&CounterClockwiseContourIntegral;");
  EXPECT_EQ(EncodeUtf8(FtfyUnescapeHtml(U32("&#1114112; &#x1F600;"))), "&#1114112; 😀");
}

}  // namespace
}  // namespace clipglass::tokenizers
