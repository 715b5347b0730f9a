#include "results/inspect.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "results/run_view.h"
#include "tests/results/test_sweep.h"

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

// Every view is checked on a sweep read back from a real file, so the tools and the archive
// agree on what survives the round trip (NaNs, attributes, a run still going).
SweepRecord ReadBack(const SweepRecord& sweep) {
  const fs::path path =
      fs::temp_directory_path() / ("clipglass_inspect_test_" + std::to_string(::getpid()) + ".h5");
  EXPECT_TRUE(WriteArchive(path.string(), sweep).ok());
  StatusOr<SweepRecord> read = ReadArchive(path.string());
  fs::remove(path);
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  return read.ok() ? *read : SweepRecord();
}

TEST(InspectTest, TableHasProvenanceAndOneRowPerRun) {
  const std::string table = FormatSweepTable(ReadBack(testing::MakeTestSweep()));
  EXPECT_NE(table.find("sweep unit-sweep (interrupted): 3 runs (2 done, 1 running)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("commit abc123"), std::string::npos);
  EXPECT_NE(table.find("weights weights/clip.safetensors sha256 deadbeef"), std::string::npos);
  EXPECT_NE(table.find("worker w1 cpu Zen4"), std::string::npos);
  // Run 0: finished with a discriminator; the headline comes from the final individual.
  EXPECT_NE(table.find("0000-StyleGAN2_ffhq_d-s0"), std::string::npos);
  EXPECT_NE(table.find("a smiling woman with red hair"), std::string::npos);
  EXPECT_NE(table.find("4/4"), std::string::npos);
  EXPECT_NE(table.find("0.2800"), std::string::npos);
  EXPECT_NE(table.find("0.2000"), std::string::npos);
  // Run 1: still running; the headline comes from its last generation, loss unknown.
  const size_t row1 = table.find("0001-StyleGAN2_car-s1");
  ASSERT_NE(row1, std::string::npos);
  const std::string line1 = table.substr(row1, table.find('\n', row1) - row1);
  EXPECT_NE(line1.find("2/4"), std::string::npos) << line1;
  EXPECT_NE(line1.find("0.2410"), std::string::npos) << line1;
  EXPECT_NE(line1.find(" - "), std::string::npos) << line1;
  EXPECT_NE(line1.find("running"), std::string::npos) << line1;
}

TEST(InspectTest, RunDetailListsSettingsStatsFinalAndSnapshots) {
  const SweepRecord sweep = ReadBack(testing::MakeTestSweep());
  const std::string detail = FormatRunDetail(sweep.runs[0]);
  EXPECT_NE(detail.find("run 0000-StyleGAN2_ffhq_d-s0 (index 0): done"), std::string::npos)
      << detail;
  EXPECT_NE(detail.find("truncation"), std::string::npos);
  EXPECT_NE(detail.find("0.7"), std::string::npos);
  EXPECT_NE(detail.find("generation 4: best similarity 0.2800"), std::string::npos);
  EXPECT_NE(detail.find("image 8x8"), std::string::npos);
  EXPECT_NE(detail.find("generation 2: 6 individuals x 8 genes"), std::string::npos);
  EXPECT_NE(detail.find("pareto front: 3 individuals"), std::string::npos);
  EXPECT_NE(FormatRunDetail(sweep.runs[2]).find("caption: a dog running on the beach"),
            std::string::npos);
  EXPECT_NE(FormatRunDetail(sweep.runs[1]).find("final individual: none yet"), std::string::npos);
}

TEST(InspectTest, JsonHasNullForUnknownValues) {
  const SweepRecord sweep = ReadBack(testing::MakeTestSweep());
  const nlohmann::ordered_json json = SweepJson(sweep);
  EXPECT_EQ(json["state"], "interrupted");
  EXPECT_EQ(json["provenance"]["weights"][0]["sha256"], "deadbeef");
  ASSERT_EQ(json["runs"].size(), 3u);
  EXPECT_EQ(json["runs"][0]["generations_done"], 4);
  EXPECT_DOUBLE_EQ(json["runs"][0]["discriminator_loss"].get<double>(), 0.2);
  EXPECT_TRUE(json["runs"][1]["discriminator_loss"].is_null());
  // The JSON text must parse back: NaN would not.
  EXPECT_NO_THROW(nlohmann::json::parse(json.dump()));

  const nlohmann::ordered_json run = RunDetailJson(sweep.runs[0]);
  EXPECT_EQ(run["settings"]["population"], 6);
  EXPECT_EQ(run["settings"]["truncation"], 0.7);
  EXPECT_EQ(run["last_stats"]["generation"], 4);
  EXPECT_EQ(run["final"]["image_width"], 8);
  EXPECT_EQ(run["snapshots"].size(), 2u);
  EXPECT_EQ(run["pareto_front_rows"], 3);
  EXPECT_TRUE(RunDetailJson(sweep.runs[1])["final"].is_null());
}

TEST(InspectTest, UnknownRunNamesTheArchiveAndKnownIds) {
  const SweepRecord sweep = testing::MakeTestSweep();
  StatusOr<const RunRecord*> found = FindRun(sweep, "0001-StyleGAN2_car-s1", "a.h5");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)->index, 1);
  StatusOr<const RunRecord*> missing = FindRun(sweep, "nope", "a.h5");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "a.h5: no run 'nope'; known runs: 0000-StyleGAN2_ffhq_d-s0, 0001-StyleGAN2_car-s1, "
            "0002-GPT2-s2");
  const SweepRecord many = testing::MakeGridSweep(2, 4, 2);
  StatusOr<const RunRecord*> many_missing = FindRun(many, "x", "b.h5");
  EXPECT_NE(many_missing.status().message().find(", ... (8 runs)"), std::string::npos);
}

TEST(InspectTest, AbbreviateKeepsUtf8Valid) {
  EXPECT_EQ(Abbreviate("short", 10), "short");
  EXPECT_EQ(Abbreviate("abcdef", 6), "abcdef");
  EXPECT_EQ(Abbreviate("abcdefg", 6), "abcde\u2026");
  EXPECT_EQ(Abbreviate("caf\u00e9s \u00e9t\u00e9", 5), "caf\u00e9\u2026");
  EXPECT_EQ(Abbreviate("x", 0), "");
}

}  // namespace
}  // namespace clipglass::results
