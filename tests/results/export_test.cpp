#include "results/export.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/png_codec.h"
#include "tests/results/test_sweep.h"

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("clipglass_export_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    ASSERT_TRUE(WriteArchive((dir_ / "a.h5").string(), testing::MakeTestSweep()).ok());
    StatusOr<SweepRecord> read = ReadArchive((dir_ / "a.h5").string());
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    sweep_ = *read;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  SweepRecord sweep_;
};

TEST_F(ExportTest, WritesEveryRunsFilesAndTheyReadBack) {
  StatusOr<std::vector<std::string>> written =
      ExportSweep(sweep_, std::nullopt, (dir_ / "out").string(), "a.h5");
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->size(), 3u);
  const fs::path out = dir_ / "out";
  EXPECT_EQ(ReadText(out / "grid.yaml"), sweep_.grid_yaml);

  const fs::path run0 = out / "0000-StyleGAN2_ffhq_d-s0";
  EXPECT_EQ(ReadText(run0 / "config.yaml"), sweep_.runs[0].config_yaml);
  StatusOr<RgbImage> png = DecodePng(ReadText(run0 / "final.png"), "final.png");
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(png->width, 8);
  EXPECT_EQ(png->height, 8);
  EXPECT_EQ(png->rgb, sweep_.runs[0].final_individual->image.rgb);

  std::vector<std::string> stats = Lines(ReadText(run0 / "stats.csv"));
  ASSERT_EQ(stats.size(), 5u);
  EXPECT_EQ(stats[0].rfind("generation,best_similarity,mean_similarity,", 0), 0u);
  EXPECT_EQ(stats[4].rfind("4,0.28", 0), 0u) << stats[4];

  std::vector<std::string> snapshot = Lines(ReadText(run0 / "snapshots" / "gen_000004.csv"));
  ASSERT_EQ(snapshot.size(), 7u);  // header + 6 individuals
  EXPECT_EQ(snapshot[0], "island,similarity,discriminator_loss,g0,g1,g2,g3,g4,g5,g6,g7");
  // Row 1: island 1, objectives (0.21, 0.85), genes sin(0.1 * i + 4) for i = 8..15, exactly.
  std::stringstream row(snapshot[2]);
  std::vector<double> cells;
  for (std::string cell; std::getline(row, cell, ',');) cells.push_back(std::stod(cell));
  ASSERT_EQ(cells.size(), 11u);
  EXPECT_EQ(cells[0], 1);
  EXPECT_EQ(cells[1], sweep_.runs[0].snapshots[1].values[2]);
  EXPECT_EQ(cells[2], sweep_.runs[0].snapshots[1].values[3]);
  for (int g = 0; g < 8; ++g) EXPECT_EQ(cells[3 + g], sweep_.runs[0].snapshots[1].genomes[8 + g]);
  EXPECT_TRUE(fs::exists(run0 / "snapshots" / "gen_000002.csv"));
  EXPECT_EQ(Lines(ReadText(run0 / "pareto_front.csv")).size(), 4u);
  std::vector<std::string> final = Lines(ReadText(run0 / "final.csv"));
  ASSERT_EQ(final.size(), 2u);
  EXPECT_EQ(final[0].rfind("similarity,discriminator_loss,g0,", 0), 0u);
  EXPECT_EQ(final[1].rfind("0.28", 0), 0u);

  // A running run: its statistics so far, unknown losses as empty cells, no final files.
  const fs::path run1 = out / "0001-StyleGAN2_car-s1";
  stats = Lines(ReadText(run1 / "stats.csv"));
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_NE(stats[2].find(",,,,"), std::string::npos) << stats[2];
  EXPECT_FALSE(fs::exists(run1 / "final.png"));
  EXPECT_FALSE(fs::exists(run1 / "pareto_front.csv"));
  EXPECT_EQ(Lines(ReadText(run1 / "snapshots" / "gen_000002.csv"))[0],
            "island,similarity,g0,g1,g2,g3,g4,g5,g6,g7");

  // A captioning run: the caption as text, no image.
  const fs::path run2 = out / "0002-GPT2-s2";
  EXPECT_EQ(ReadText(run2 / "final_caption.txt"), "a dog running on the beach\n");
  EXPECT_FALSE(fs::exists(run2 / "final.png"));
}

TEST_F(ExportTest, OneRunOnlyAndUnknownRun) {
  StatusOr<std::vector<std::string>> written =
      ExportSweep(sweep_, "0002-GPT2-s2", (dir_ / "out").string(), "a.h5");
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  ASSERT_EQ(written->size(), 1u);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "0002-GPT2-s2" / "stats.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "0000-StyleGAN2_ffhq_d-s0"));

  StatusOr<std::vector<std::string>> missing =
      ExportSweep(sweep_, "nope", (dir_ / "out2").string(), "a.h5");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("a.h5: no run 'nope'"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "out2"));
}

TEST_F(ExportTest, UnwritableFolderIsAnErrorNamingIt) {
  std::ofstream(dir_ / "file") << "x";
  StatusOr<std::vector<std::string>> written =
      ExportSweep(sweep_, std::nullopt, (dir_ / "file" / "out").string(), "a.h5");
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("file"), std::string::npos);
}

}  // namespace
}  // namespace clipglass::results
