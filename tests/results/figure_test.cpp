#include "results/figure.h"

#include <gtest/gtest.h>

#include "common/png_codec.h"
#include "results/text_render.h"
#include "tests/results/test_sweep.h"

namespace clipglass::results {
namespace {

// Pixels darker than this are ink (the background is white, cell backgrounds light grey).
constexpr int kInkLevel = 128;

int DarkPixels(const RgbImage& image, int x0, int y0, int x1, int y1) {
  int dark = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const uint8_t* p = &image.rgb[(static_cast<size_t>(y) * image.width + x) * 3];
      dark += p[0] < kInkLevel && p[1] < kInkLevel && p[2] < kInkLevel;
    }
  }
  return dark;
}

const uint8_t* Pixel(const RgbImage& image, int x, int y) {
  return &image.rgb[(static_cast<size_t>(y) * image.width + x) * 3];
}

FigureOptions SmallOptions() {
  FigureOptions options;
  options.rows = "target";
  options.cols = "generator";
  options.cell_size = 64;
  options.font_size = 12;
  options.row_label_width = 120;
  options.padding = 8;
  return options;
}

TEST(FigureTest, TwoByThreeGridHasItsSizeImagesAndLabels) {
  const SweepRecord sweep = testing::MakeGridSweep(2, 3, 32);
  const FigureOptions options = SmallOptions();
  StatusOr<Image> figure = RenderFigure(sweep, options);
  ASSERT_TRUE(figure.ok()) << figure.status().ToString();
  StatusOr<std::string> png = EncodePng({figure->width, figure->height, figure->rgb});
  ASSERT_TRUE(png.ok());
  StatusOr<RgbImage> decoded = DecodePng(*png, "figure");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();

  // line 18; width 120 + 3 * 72 + 8; height 2 * 18 + 8 + 2 * (64 + 18 + 8) + 8.
  EXPECT_EQ(FigureLine(options), 18);
  EXPECT_EQ(decoded->width, 344);
  EXPECT_EQ(decoded->height, 232);
  EXPECT_EQ(decoded->width, FigureWidth(options, 3));
  EXPECT_EQ(decoded->height, FigureHeight(options, 2));

  const int grid_top = 2 * 18 + 8 + 8;
  // Each cell shows its run's flat colour: row r, column c -> (60 r, 80 c, 90).
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) {
      const uint8_t* p = Pixel(*decoded, 120 + c * 72 + 32, grid_top + r * 90 + 32);
      EXPECT_EQ(p[0], 60 * r) << r << "," << c;
      EXPECT_EQ(p[1], 80 * c) << r << "," << c;
      EXPECT_EQ(p[2], 90) << r << "," << c;
    }
  }
  // Text is drawn where the labels go: row labels, column headers, similarity lines.
  EXPECT_GT(DarkPixels(*decoded, 8, grid_top, 112, grid_top + 64), 20);
  EXPECT_GT(DarkPixels(*decoded, 8, grid_top + 90, 112, grid_top + 90 + 64), 20);
  for (int c = 0; c < 3; ++c) {
    EXPECT_GT(DarkPixels(*decoded, 120 + c * 72, 8, 120 + c * 72 + 64, 8 + 36), 20) << c;
    EXPECT_GT(
        DarkPixels(*decoded, 120 + c * 72, grid_top + 64, 120 + c * 72 + 64, grid_top + 64 + 18),
        20)
        << c;
  }
  // The space between cells stays blank.
  EXPECT_EQ(DarkPixels(*decoded, 120 + 64, grid_top, 120 + 72, grid_top + 64), 0);
}

TEST(FigureTest, CaptionsAndRunningRunsAreTextCells) {
  // rows = task (txt2img, img2txt), cols = discriminator (1, 0 in order of appearance): the
  // caption run draws text, not an image.
  const SweepRecord sweep = testing::MakeTestSweep();
  FigureOptions options = SmallOptions();
  options.rows = "task";
  options.cols = "discriminator";
  StatusOr<Image> figure = RenderFigure(sweep, options);
  ASSERT_TRUE(figure.ok()) << figure.status().ToString();
  EXPECT_EQ(figure->width, FigureWidth(options, 2));
  EXPECT_EQ(figure->height, FigureHeight(options, 2));
  const RgbImage image{figure->width, figure->height, figure->rgb};
  const int grid_top = 2 * 18 + 8 + 8;
  // img2txt row (1), discriminator 0 column (1): the caption, as ink on the grey cell.
  EXPECT_GT(DarkPixels(image, 120 + 72, grid_top + 90, 120 + 72 + 64, grid_top + 90 + 64), 20);
  // img2txt row, discriminator 1 column: no such run, a muted "no run" only.
  EXPECT_EQ(DarkPixels(image, 120, grid_top + 90, 120 + 64, grid_top + 90 + 64), 0);
}

TEST(FigureTest, UnknownAxisListsTheAvailableOnes) {
  FigureOptions options = SmallOptions();
  options.cols = "colour";
  StatusOr<Image> figure = RenderFigure(testing::MakeTestSweep(), options);
  ASSERT_FALSE(figure.ok());
  EXPECT_EQ(figure.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(figure.status().message(),
            "--cols: no run attribute 'colour'; available: algorithm, config, discriminator, "
            "generator, islands, population, seed, target, target_kind, task, truncation");
}

TEST(FigureTest, WrapBreaksAtSpacesAndMarksCuts) {
  StatusOr<std::string> font_path = FindDefaultFont();
  ASSERT_TRUE(font_path.ok()) << font_path.status().ToString();
  StatusOr<std::unique_ptr<TextRenderer>> font = TextRenderer::Open(*font_path, 12);
  ASSERT_TRUE(font.ok()) << font.status().ToString();
  TextRenderer& text = **font;
  const int width = text.Width("a smiling woman");
  EXPECT_GT(width, text.Width("a smiling"));
  EXPECT_EQ(text.Wrap("a smiling woman with red hair", width, 5),
            (std::vector<std::string>{"a smiling woman", "with red hair"}));
  const std::vector<std::string> cut = text.Wrap("a smiling woman with red hair", width, 1);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].rfind("a smiling", 0), 0u) << cut[0];
  EXPECT_EQ(cut[0].substr(cut[0].size() - 3), "\u2026");
  EXPECT_LE(text.Width(cut[0]), width);
  const std::string long_word = text.Wrap("supercalifragilistic", 40, 1)[0];
  EXPECT_LE(text.Width(long_word), 40);
  EXPECT_EQ(long_word.substr(long_word.size() - 3), "\u2026");
  EXPECT_EQ(DecodeUtf8("caf\u00e9\xff"),
            (std::vector<char32_t>{U'c', U'a', U'f', U'\u00e9', U'\uFFFD'}));
}

}  // namespace
}  // namespace clipglass::results
