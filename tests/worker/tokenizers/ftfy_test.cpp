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

// Real-world and synthetic cases from ftfy's own test suite (tests/test_cases.json): mojibake
// that must be fixed, and "negative" text that must be left alone (the expected text equals the
// original). Left out: cases of ftfy 6 fixers 5.8 does not have (digraphs, 'ŉ', Gaelic NBSP).
TEST(FtfyFixTextTest, FtfyTestSuiteCases) {
  const std::pair<std::string, std::string> cases[] = {
      {"He's Justinâ\u009d¤", "He's Justin❤"},
      {"Le Schtroumpf Docteur conseille g√¢teaux et baies schtroumpfantes pour un r√©gime "
       "√©quilibr√©.",
       "Le Schtroumpf Docteur conseille gâteaux et baies schtroumpfantes pour un régime "
       "équilibré."},
      {"âœ” No problems", "✔ No problems"},
      {"РґРѕСЂРѕРіРµ Р\u0098Р·-РїРѕРґ #С„СѓС‚Р±РѕР»", "дороге Из-под #футбол"},
      {"\u0084Handwerk bringt dich überall hin\u0093: Von der YOU bis nach Monaco",
       "\"Handwerk bringt dich überall hin\": Von der YOU bis nach Monaco"},
      {"Hi guys í ½í¸\u008d", "Hi guys 😍"},
      {"hihi RT username: â\u0098ºí ½í¸\u0098", "hihi RT username: ☺😘"},
      {"Beta Haber: HÄ±rsÄ±zÄ± BÃ¼yÃ¼ Korkuttu", "Beta Haber: Hırsızı Büyü Korkuttu"},
      {"Р С—РЎР‚Р С‘РЎРЏРЎвЂљР Р…Р С•РЎРѓРЎвЂљР С‘. РІСњВ¤", "приятности. ❤"},
      {"Kayanya laptopku error deh, soalnya tiap mau ngetik deket-deket kamu font yg keluar selalu "
       "Times New Ã¢â‚¬Å“ RomanceÃ¢â‚¬Â\u009d.",
       "Kayanya laptopku error deh, soalnya tiap mau ngetik deket-deket kamu font yg keluar selalu "
       "Times New \" Romance\"."},
      {"Iggy Pop (nÃƒÂ© Jim Osterberg)", "Iggy Pop (né Jim Osterberg)"},
      {"Direzione Pd, ok â\u0080\u009csenza modifiche\u0094 all'Italicum.",
       "Direzione Pd, ok \"senza modifiche\" all'Italicum."},
      {"selamat berpuasa sob (Ã\u00a0Â¸â€¡'ÃŒâ‚¬Ã¢Å’Â£'ÃŒÂ\u0081)Ã\u00a0Â¸â€¡",
       "selamat berpuasa sob (ง'̀⌣'́)ง"},
      {"The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.",
       "The Mona Lisa doesn't have eyebrows."},
      {"#╨┐╤Ç╨░╨▓╨╕╨╗╤î╨╜╨╛╨╡╨┐╨╕╤é╨░╨╜╨╕╨╡", "#правильноепитание"},
      {"LiĂ¨ge Avenue de l'HĂ´pital", "Liège Avenue de l'Hôpital"},
      {"It was namedÂ â€žscarsÂ´ stonesâ€ś after the rock-climbers who got hurt while climbing on "
       "it.",
       "It was named\u00a0\"scars´ stones\" after the rock-climbers who got hurt while climbing on "
       "it."},
      {"It was namedÂ\u00a0â\u0080\u009escarsÂ´ stonesâ\u0080\u009c after the rock-climbers who "
       "got hurt while climbing on it.",
       "It was named\u00a0\"scars´ stones\" after the rock-climbers who got hurt while climbing on "
       "it."},
      {"vedere Ă®nceĹŁoĹźatÄ\u0083", "vedere înceţoşată"},
      {"NapĂ\u00adĹˇte nĂˇm !", "Napíšte nám !"},
      {"Ã¢â€\u009dâ€™(Ã¢Å’Â£Ã‹â€ºÃ¢Å’Â£)Ã¢â€\u009dÅ½", "┒(⌣˛⌣)┎"},
      {"Ã¢â€\ufffdâ€™(Ã¢Å’Â£Ã‹â€ºÃ¢Å’Â£)Ã¢â€\ufffdÅ½", "\ufffd(⌣˛⌣)\ufffd"},
      {"I just figured out how to tweet emojis! "
       "â\u009a½í\u00a0½í¸\u0080í\u00a0½í¸\u0081í\u00a0½í¸\u0082í\u00a0½í¸\u0086í\u00a0½í¸\u008eí"
       "\u00a0½í¸\u008eí\u00a0½í¸\u008eí\u00a0½í¸\u008e",
       "I just figured out how to tweet emojis! ⚽😀😁😂😆😎😎😎😎"},
      {"Arsenal v Wolfsburg: pre-season friendly â\u0080â\u0080\u009c live!",
       "Arsenal v Wolfsburg: pre-season friendly – live!"},
      {"NicolÃ¡s", "Nicolás"},
      {"Con il corpo e lo spirito ammaccato,\u00a0è come se nel cuore avessi un vetro conficcato.",
       "Con il corpo e lo spirito ammaccato,\u00a0è come se nel cuore avessi un vetro conficcato."},
      {"4288×…", "4288×…"},
      {"``toda produzida pronta pra assa aí´´", "``toda produzida pronta pra assa aí´´"},
      {"HUHLL Õ…", "HUHLL Õ…"},
      {"RETWEET SE VOCÊ…", "RETWEET SE VOCÊ…"},
      {"PARCE QUE SUR LEURS PLAQUES IL Y MARQUÉ…", "PARCE QUE SUR LEURS PLAQUES IL Y MARQUÉ…"},
      {"TEM QUE SEGUIR, SDV SÓ…", "TEM QUE SEGUIR, SDV SÓ…"},
      {"Join ZZAJÉ’s Official Fan List and receive news, events, and more!",
       "Join ZZAJÉ's Official Fan List and receive news, events, and more!"},
      {"L’épisode 8 est trop fou ouahh", "L'épisode 8 est trop fou ouahh"},
      {"Ôôô VIDA MINHA", "Ôôô VIDA MINHA"},
      {"[x]\u00a0©", "[x]\u00a0©"},
      {"2012—∞", "2012—∞"},
      {"SENSЕ - Oleg Tsedryk", "SENSЕ - Oleg Tsedryk"},
      {"OK??:(   `¬´    ):", "OK??:(   `¬´    ):"},
      {"∆°", "∆°"},
      {"ESSE CARA AI QUEM É¿", "ESSE CARA AI QUEM É¿"},
      {"``hogwarts nao existe, voce nao vai pegar o trem pra lá´´",
       "``hogwarts nao existe, voce nao vai pegar o trem pra lá´´"},
      {"SELKÄ\u00a0EDELLÄ\u00a0MAAHAN via @YouTube", "SELKÄ\u00a0EDELLÄ\u00a0MAAHAN via @YouTube"},
      {"Offering 5×£35 pin ups", "Offering 5×£35 pin ups"},
      {"NESTLÉ® requiere contratar personal para diferentes areas a nivel nacional e internacional",
       "NESTLÉ® requiere contratar personal para diferentes areas a nivel nacional e "
       "internacional"},
      {"Blog Traffic Tip 2 вЂ“ Broadcast Email Your Blog",
       "Blog Traffic Tip 2 – Broadcast Email Your Blog"},
      {"I'm not such a fan of Charlotte Brontë…”", "I'm not such a fan of Charlotte Brontë…\""},
      {"AHÅ™, the new sofa from IKEA", "AHÅ™, the new sofa from IKEA"},
      {"ВІКІ is Ukrainian for WIKI", "ВІКІ is Ukrainian for WIKI"},
      {"These control characters \u001a are apparently intentional \u0081",
       "These control characters  are apparently intentional \u0081"},
      {"Here's a control character: \u001a", "Here's a control character: "},
      {"a radius of 10 Å—", "a radius of 10 Å—"},
      {"!YO SÉ¡", "!YO SÉ¡"},
      {"<40\\% vs â\u0089¥40\\%", "<40\\% vs ≥40\\%"},
      {"â\u0080\u009cmismatched quotes\u0085\u0094", "\"mismatched quotes…\""},
      {"â€œmismatched quotesâ€¦”", "\"mismatched quotes…\""},
      {"â€œlossy decodingâ€\ufffd", "\"lossy decoding\ufffd"},
  };
  for (const auto& [original, fixed] : cases) EXPECT_EQ(Fix(original), fixed) << original;
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
