// The report opens in a real browser (headless Chromium from apt): its script runs without error
// and the screenshot is not blank. Skipped when Chromium is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/png_codec.h"
#include "results/report.h"
#include "tests/results/test_sweep.h"
#include "tests/testing/run_command.h"

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

std::string FindChromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    const test_support::CommandResult found =
        test_support::RunCommand(std::string("command -v ") + name, /*merge_stderr=*/true);
    if (found.exit_code == 0 && !found.out.empty()) {
      return found.out.substr(0, found.out.find('\n'));
    }
  }
  return "";
}

class ReportChromiumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium)";
    dir_ = fs::temp_directory_path() / ("clipglass_report_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    StatusOr<std::string> html = RenderReport(testing::MakeTestSweep());
    ASSERT_TRUE(html.ok()) << html.status().ToString();
    std::ofstream(dir_ / "report.html") << *html;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  // Headless, sandbox-free (containers), no network side traffic, a throwaway profile.
  std::string Chromium(const std::string& action) const {
    return "timeout 120 " + chromium_ +
           " --headless --no-sandbox --disable-gpu --disable-background-networking"
           " --disable-component-update --disable-sync --no-first-run --user-data-dir='" +
           (dir_ / "profile").string() + "' --window-size=1200,900 " + action + " 'file://" +
           (dir_ / "report.html").string() + "'";
  }
  std::string chromium_;
  fs::path dir_;
};

TEST_F(ReportChromiumTest, ScriptRunsWithoutError) {
  const test_support::CommandResult run =
      test_support::RunCommand(Chromium("--dump-dom"), /*merge_stderr=*/true);
  const std::string& dom = run.out;
  ASSERT_EQ(run.exit_code, 0) << dom.substr(0, 2000);
  EXPECT_NE(dom.find(std::string(kReportReadyMarker) + " (5 charts)"), std::string::npos)
      << dom.substr(dom.find("report-status") == std::string::npos ? 0 : dom.find("report-status"),
                    300);
  EXPECT_EQ(dom.find("clipglass-report-error"), std::string::npos);
}

TEST_F(ReportChromiumTest, ScreenshotIsNotBlank) {
  const fs::path shot = dir_ / "shot.png";
  const test_support::CommandResult run =
      test_support::RunCommand(Chromium("--screenshot='" + shot.string() + "'"),
                               /*merge_stderr=*/true);
  const std::string& log = run.out;
  ASSERT_EQ(run.exit_code, 0) << log;
  std::ifstream in(shot, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  StatusOr<RgbImage> image = DecodePng(bytes.str(), shot.string());
  ASSERT_TRUE(image.ok()) << image.status().ToString() << "\n" << log;
  EXPECT_EQ(image->width, 1200);
  std::set<uint32_t> colours;
  int64_t non_white = 0;
  for (size_t i = 0; i + 2 < image->rgb.size(); i += 3) {
    const uint8_t* p = &image->rgb[i];
    colours.insert(p[0] << 16 | p[1] << 8 | p[2]);
    non_white += p[0] < 240 || p[1] < 240 || p[2] < 240;
  }
  // Text, table rules, chart lines and the image: many colours and a fair share of ink.
  EXPECT_GT(colours.size(), 20u);
  EXPECT_GT(non_white, image->width * image->height / 100);
}

}  // namespace
}  // namespace clipglass::results
