// The report opens in a real browser (headless Chromium from apt): its script runs without error
// and the screenshot is not blank. Skipped when Chromium is not installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/png_codec.h"
#include "results/report.h"
#include "tests/results/test_sweep.h"

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 65536> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output->append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string FindChromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    std::string path;
    if (RunCommand(std::string("command -v ") + name, &path) == 0 && !path.empty()) {
      return path.substr(0, path.find('\n'));
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
  std::string dom;
  const int code = RunCommand(Chromium("--dump-dom"), &dom);
  ASSERT_EQ(code, 0) << dom.substr(0, 2000);
  EXPECT_NE(dom.find(std::string(kReportReadyMarker) + " (5 charts)"), std::string::npos)
      << dom.substr(dom.find("report-status") == std::string::npos ? 0 : dom.find("report-status"),
                    300);
  EXPECT_EQ(dom.find("clipglass-report-error"), std::string::npos);
}

TEST_F(ReportChromiumTest, ScreenshotIsNotBlank) {
  const fs::path shot = dir_ / "shot.png";
  std::string log;
  const int code = RunCommand(Chromium("--screenshot='" + shot.string() + "'"), &log);
  ASSERT_EQ(code, 0) << log;
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
