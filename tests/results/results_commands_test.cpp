// `clipglass inspect | export | figure | report` end to end: runs the built binary on an archive
// written by WriteArchive and checks exit codes, output and files, and that the archive is left
// untouched.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/png_codec.h"
#include "results/archive.h"
#include "results/figure.h"
#include "tests/results/test_sweep.h"
#include "tests/testing/run_command.h"

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

using Result = test_support::CommandResult;
using test_support::Quote;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ResultsCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("clipglass_results_commands_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    archive_ = (dir_ / "sweep.h5").string();
    ASSERT_TRUE(WriteArchive(archive_, testing::MakeTestSweep()).ok());
    archive_bytes_ = ReadText(archive_);
  }
  void TearDown() override {
    // Every command is read-only on the archive.
    EXPECT_EQ(ReadText(archive_), archive_bytes_);
    fs::remove_all(dir_);
  }

  // Runs `clipglass <args>` (shell words, quoted by the caller).
  Result Run(const std::string& args) const { return test_support::RunClipglass(args); }

  fs::path dir_;
  std::string archive_;
  std::string archive_bytes_;
};

TEST_F(ResultsCommandsTest, InspectPrintsTheTableAndOneRun) {
  Result r = Run("inspect " + Quote(archive_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("sweep unit-sweep (interrupted): 3 runs", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("0001-StyleGAN2_car-s1"), std::string::npos);

  r = Run("inspect " + Quote(archive_) + " --run 0002-GPT2-s2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("caption: a dog running on the beach"), std::string::npos) << r.out;

  r = Run("inspect " + Quote(archive_) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["runs"].size(), 3u);
  EXPECT_EQ(json["runs"][1]["state"], "running");

  r = Run("inspect " + Quote(archive_) + " --run 0000-StyleGAN2_ffhq_d-s0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["pareto_front_rows"], 3);
}

TEST_F(ResultsCommandsTest, UnknownRunIsOneErrorLineWithKnownIds) {
  const Result r = Run("inspect " + Quote(archive_) + " --run 0009-nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "clipglass: error: " + archive_ +
                       ": no run '0009-nope'; known runs: 0000-StyleGAN2_ffhq_d-s0, "
                       "0001-StyleGAN2_car-s1, 0002-GPT2-s2\n");
}

TEST_F(ResultsCommandsTest, ExportWritesOneFolderPerRun) {
  const fs::path out = dir_ / "export";
  const Result r = Run("export " + Quote(archive_) + " --out " + Quote(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0000-StyleGAN2_ffhq_d-s0"), std::string::npos);
  StatusOr<RgbImage> png =
      DecodePng(ReadText(out / "0000-StyleGAN2_ffhq_d-s0" / "final.png"), "final.png");
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(png->width, 8);
  EXPECT_EQ(ReadText(out / "0002-GPT2-s2" / "final_caption.txt"), "a dog running on the beach\n");
  EXPECT_TRUE(fs::exists(out / "0001-StyleGAN2_car-s1" / "stats.csv"));
}

TEST_F(ResultsCommandsTest, FigureWritesAPngAndRejectsUnknownAxes) {
  const fs::path out = dir_ / "figure.png";
  Result r = Run("figure " + Quote(archive_) + " --rows target --cols discriminator --out " +
                 Quote(out.string()) + " --cell-size 64 --font-size 12");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StatusOr<RgbImage> png = DecodePng(ReadText(out), out.string());
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  FigureOptions options;
  options.cell_size = 64;
  options.font_size = 12;
  EXPECT_EQ(png->width, FigureWidth(options, 2));
  EXPECT_EQ(png->height, FigureHeight(options, 3));

  r = Run("figure " + Quote(archive_) + " --rows target --cols colour --out " +
          Quote(out.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--cols: no run attribute 'colour'; available: algorithm, config, "),
            std::string::npos)
      << r.err;
}

TEST_F(ResultsCommandsTest, ReportWritesOneHtmlFile) {
  const fs::path out = dir_ / "report.html";
  const Result r = Run("report " + Quote(archive_) + " --out " + Quote(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = ReadText(out);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_NE(html.find("0002-GPT2-s2"), std::string::npos);
}

}  // namespace
}  // namespace clipglass::results
