#include "results/report.h"

#include <gtest/gtest.h>

#include <regex>

#include "common/png_codec.h"
#include "results/svg_chart.h"
#include "tests/results/test_sweep.h"

namespace clipglass::results {
namespace {

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::string DecodeBase64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

TEST(ReportTest, SelfContainedWithChartsImagesAndCaptions) {
  SweepRecord sweep = testing::MakeTestSweep();
  sweep.runs[1].attributes["target"] = std::string("a <b>bold</b> & \"quoted\" car");
  StatusOr<std::string> html = RenderReport(sweep);
  ASSERT_TRUE(html.ok()) << html.status().ToString();

  // Charts: run 0 has similarity, loss and Pareto front; runs 1 and 2 similarity only.
  EXPECT_EQ(Count(*html, "<svg "), 5);
  EXPECT_NE(html->find("data-charts=\"5\""), std::string::npos);
  EXPECT_EQ(Count(*html, "bold\">Pareto front ("), 1);
  EXPECT_EQ(Count(*html, "bold\">Discriminator loss</text>"), 1);
  // Nothing is fetched: no external src/href (anchors within the page only).
  EXPECT_FALSE(std::regex_search(*html, std::regex("(src|href)=\"(?!data:|#)")));
  EXPECT_EQ(Count(*html, "<script>"), 1);
  // The final image is embedded as a PNG that decodes to the archive's pixels.
  std::smatch match;
  ASSERT_TRUE(std::regex_search(*html, match, std::regex("data:image/png;base64,([^\"]+)\"")));
  StatusOr<RgbImage> png = DecodePng(DecodeBase64(match[1].str()), "report image");
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(png->rgb, sweep.runs[0].final_individual->image.rgb);
  EXPECT_EQ(Count(*html, "data:image/png"), 1);
  EXPECT_NE(html->find("&ldquo;a dog running on the beach&rdquo;"), std::string::npos);
  EXPECT_NE(html->find("no final output yet"), std::string::npos);
  // Text from the archive is escaped.
  EXPECT_EQ(html->find("<b>bold"), std::string::npos);
  EXPECT_NE(html->find("a &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; car"),
            std::string::npos);
  // The ready marker is only ever produced by the script, never present in the source.
  EXPECT_EQ(html->find(kReportReadyMarker), std::string::npos);
}

TEST(ReportTest, LineChartBreaksAtUnknownValuesAndHandlesNoData) {
  const std::string svg = SvgLineChart({{"best", "#000", {1, 2, 3, 4}, {0.1, 0.2, kNoValue, 0.4}}},
                                       {"t", "generation", "y"});
  EXPECT_EQ(Count(svg, "<polyline"), 2);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  const std::string empty = SvgLineChart({{"best", "#000", {}, {}}}, {"t", "x", "y"});
  EXPECT_NE(empty.find("no data"), std::string::npos);
  EXPECT_EQ(Count(empty, "<polyline"), 0);
  const std::string one = SvgScatterChart({{"p", "#000", {0.3}, {0.3}}}, {"t", "x", "y"});
  EXPECT_EQ(Count(one, "<circle"), 1);
  EXPECT_EQ(one.find("nan"), std::string::npos);
}

}  // namespace
}  // namespace clipglass::results
