#include "results/archive.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("clipglass_archive_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

Population MakePopulation(int64_t generation, int64_t rows, int64_t genes) {
  Population p;
  p.generation = generation;
  p.genes = genes;
  p.objectives = 2;
  for (int64_t i = 0; i < rows * genes; ++i) p.genomes.push_back(std::sin(0.1 * i + generation));
  for (int64_t i = 0; i < rows * 2; ++i) p.values.push_back(0.01 * i);
  for (int64_t i = 0; i < rows; ++i) p.island.push_back(static_cast<int32_t>(i % 3));
  return p;
}

SweepRecord MakeSweep() {
  SweepRecord sweep;
  sweep.name = "unit-sweep";
  sweep.grid_path = "experiments/example.yaml";
  sweep.grid_yaml = "name: unit-sweep\naxes:\n  seed: [0, 1]\n";
  sweep.provenance = {"0.1.0",
                      "abc123",
                      "2026-11-27T16:00:00Z",
                      "host",
                      {{"weights/clip.safetensors", "deadbeef"}},
                      {"w1 cpu Zen4"}};
  for (int r = 0; r < 2; ++r) {
    RunRecord run;
    run.id = "000" + std::to_string(r) + "-StyleGAN2_ffhq_d-s" + std::to_string(r);
    run.index = r;
    run.attributes = {{"generator", std::string("StyleGAN2_ffhq_d")},
                      {"seed", int64_t{r}},
                      {"discriminator", int64_t{1}},
                      {"truncation", 0.7},
                      {"target", std::string("a café at night — «quoted»")}};
    run.config_yaml = "generator: StyleGAN2_ffhq_d\nseed: " + std::to_string(r) + "\n";
    run.state = r == 0 ? "done" : "running";
    run.generations_done = r == 0 ? 4 : 2;
    run.generations_total = 4;
    run.evaluations = 64;
    run.cache_hits = 3;
    run.wall_seconds = 1.5;
    run.objective_names = {"similarity", "discriminator_loss"};
    for (int g = 1; g <= run.generations_done; ++g) {
      GenerationStats s;
      s.generation = g;
      s.best_similarity = 0.1 * g;
      s.mean_similarity = 0.05 * g;
      s.median_similarity = 0.04 * g;
      s.best_discriminator_loss = 1.0 / g;
      s.hypervolume = 0.2 * g;
      s.evaluations = 16 * g;
      s.wall_seconds = 0.3 * g;
      run.stats.push_back(s);
    }
    run.snapshots = {MakePopulation(2, 16, 512), MakePopulation(4, 16, 512)};
    if (r == 0) {
      run.pareto_front = MakePopulation(4, 5, 512);
      FinalIndividual final;
      final.genome.assign(512, 0.25);
      final.objectives = {0.31, 0.02};
      final.image.width = 4;
      final.image.height = 3;
      for (int i = 0; i < 4 * 3 * 3; ++i) final.image.rgb.push_back(static_cast<uint8_t>(7 * i));
      run.final_individual = final;
    }
    run.engine_state = {1, 2, 3, 250, 0, 9};
    sweep.runs.push_back(run);
  }
  return sweep;
}

void ExpectPopulationsEqual(const Population& a, const Population& b) {
  EXPECT_EQ(a.generation, b.generation);
  EXPECT_EQ(a.genes, b.genes);
  EXPECT_EQ(a.objectives, b.objectives);
  EXPECT_EQ(a.genomes, b.genomes);  // bit for bit: doubles are stored as float64
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.island, b.island);
}

TEST_F(ArchiveTest, RoundTripKeepsEveryField) {
  const SweepRecord sweep = MakeSweep();
  ASSERT_TRUE(WriteArchive(Path("a.h5"), sweep).ok());
  StatusOr<SweepRecord> read = ReadArchive(Path("a.h5"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->schema_version, kArchiveSchemaVersion);
  EXPECT_EQ(read->name, sweep.name);
  EXPECT_EQ(read->grid_yaml, sweep.grid_yaml);
  EXPECT_EQ(read->provenance.weights_sha256, sweep.provenance.weights_sha256);
  EXPECT_EQ(read->provenance.worker_devices, sweep.provenance.worker_devices);
  EXPECT_EQ(read->provenance.git_commit, "abc123");
  ASSERT_EQ(read->runs.size(), 2u);
  for (size_t r = 0; r < 2; ++r) {
    const RunRecord& a = read->runs[r];
    const RunRecord& b = sweep.runs[r];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.attributes, b.attributes);
    EXPECT_EQ(a.config_yaml, b.config_yaml);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.generations_done, b.generations_done);
    EXPECT_EQ(a.objective_names, b.objective_names);
    ASSERT_EQ(a.stats.size(), b.stats.size());
    for (size_t g = 0; g < a.stats.size(); ++g) {
      EXPECT_EQ(a.stats[g].best_similarity, b.stats[g].best_similarity);
      EXPECT_EQ(a.stats[g].evaluations, b.stats[g].evaluations);
      EXPECT_TRUE(std::isnan(a.stats[g].mean_discriminator_loss));
    }
    ASSERT_EQ(a.snapshots.size(), b.snapshots.size());
    for (size_t s = 0; s < a.snapshots.size(); ++s) {
      ExpectPopulationsEqual(a.snapshots[s], b.snapshots[s]);
    }
    EXPECT_EQ(a.engine_state, b.engine_state);
    EXPECT_EQ(a.pareto_front.has_value(), b.pareto_front.has_value());
    EXPECT_EQ(a.final_individual.has_value(), b.final_individual.has_value());
  }
  const FinalIndividual& final = *read->runs[0].final_individual;
  EXPECT_EQ(final.image.width, 4);
  EXPECT_EQ(final.image.height, 3);
  EXPECT_EQ(final.image.rgb, sweep.runs[0].final_individual->image.rgb);
  EXPECT_EQ(final.objectives, sweep.runs[0].final_individual->objectives);
  ExpectPopulationsEqual(*read->runs[0].pareto_front, *sweep.runs[0].pareto_front);
}

TEST_F(ArchiveTest, RewriteReplacesTheFileAndLeavesNoTemporary) {
  SweepRecord sweep = MakeSweep();
  ASSERT_TRUE(WriteArchive(Path("a.h5"), sweep).ok());
  sweep.runs[1].state = "done";
  sweep.state = "done";
  ASSERT_TRUE(WriteArchive(Path("a.h5"), sweep).ok());
  StatusOr<SweepRecord> read = ReadArchive(Path("a.h5"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->state, "done");
  EXPECT_EQ(read->runs[1].state, "done");
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) entries += entry.exists();
  EXPECT_EQ(entries, 1);
}

TEST_F(ArchiveTest, FailedWriteKeepsThePreviousArchive) {
  SweepRecord sweep = MakeSweep();
  ASSERT_TRUE(WriteArchive(Path("a.h5"), sweep).ok());
  sweep.runs[0].id = "bad/id";  // cannot name a group: the write fails half-way
  Status status = WriteArchive(Path("a.h5"), sweep);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("bad/id"), std::string::npos);
  StatusOr<SweepRecord> read = ReadArchive(Path("a.h5"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->runs[0].id, "0000-StyleGAN2_ffhq_d-s0");
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) entries += entry.exists();
  EXPECT_EQ(entries, 1);
}

TEST_F(ArchiveTest, NotAnArchiveIsAClearError) {
  std::ofstream(Path("junk.h5")) << "this is not HDF5";
  StatusOr<SweepRecord> read = ReadArchive(Path("junk.h5"));
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("junk.h5"), std::string::npos);
  EXPECT_FALSE(ReadArchive(Path("missing.h5")).ok());
}

TEST_F(ArchiveTest, NewerSchemaIsRefused) {
  SweepRecord sweep = MakeSweep();
  sweep.schema_version = kArchiveSchemaVersion + 1;
  ASSERT_TRUE(WriteArchive(Path("a.h5"), sweep).ok());
  StatusOr<SweepRecord> read = ReadArchive(Path("a.h5"));
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("newer"), std::string::npos);
}

TEST_F(ArchiveTest, FinalImageFollowsTheHdf5ImageConvention) {
  ASSERT_TRUE(WriteArchive(Path("a.h5"), MakeSweep()).ok());
  hid_t file = H5Fopen(Path("a.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  hid_t dataset = H5Dopen2(file, "/runs/0000-StyleGAN2_ffhq_d-s0/final/image", H5P_DEFAULT);
  ASSERT_GE(dataset, 0);
  hid_t attribute = H5Aopen(dataset, "CLASS", H5P_DEFAULT);
  ASSERT_GE(attribute, 0);
  hid_t type = H5Aget_type(attribute);
  char value[16] = {0};
  ASSERT_GE(H5Aread(attribute, type, value), 0);
  EXPECT_STREQ(value, "IMAGE");
  H5Tclose(type);
  H5Aclose(attribute);
  H5Dclose(dataset);
  H5Fclose(file);
}

}  // namespace
}  // namespace clipglass::results
