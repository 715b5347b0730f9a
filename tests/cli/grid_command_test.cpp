// `clipglass grid` end to end: runs the built binary on good and bad grids and checks its exit
// codes and output.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/testing/run_command.h"

namespace {

const std::string kData = std::string(CLIPGLASS_TEST_DATA_DIR) + "/grids/";
const std::string kSource = CLIPGLASS_SOURCE_DIR;

using clipglass::test_support::CommandResult;
using clipglass::test_support::Quote;
using clipglass::test_support::RunClipglass;

TEST(GridCommandTest, PrintsTheRunsOfAGoodGridAsATable) {
  const CommandResult r =
      RunClipglass("grid " + Quote(kData + "good.yaml") + " --configs " + Quote(kData + "configs"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("id ", 0), 0u) << r.out;
  for (const char* column :
       {"config", "task", "target", "disc", "algorithm", "seed", "pop", "generations", "islands"}) {
    EXPECT_NE(r.out.substr(0, r.out.find('\n')).find(column), std::string::npos) << column;
  }
  EXPECT_NE(r.out.find("0000-Tiny_d-t0-base-s3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0017-TinyGPT2-t0-s0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("18 runs in sweep 'good'"), std::string::npos) << r.out;
}

TEST(GridCommandTest, PrintsResolvedSettingsAsJson) {
  const CommandResult r = RunClipglass("grid --json " + Quote(kData + "good.yaml") + " --configs " +
                                       Quote(kData + "configs") + " --weights-dir /models");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["name"], "good");
  ASSERT_EQ(j["runs"].size(), 18u);
  const auto& run = j["runs"][2];
  EXPECT_EQ(run["id"], "0002-Tiny_d-t0-big-s3");
  EXPECT_EQ(run["config"], "Tiny_d");
  EXPECT_EQ(run["ga"]["population"], 12);
  EXPECT_EQ(run["ga"]["algorithm"], "nsga2");
  EXPECT_EQ(run["local"]["generator_weights"], "/models/tiny/G.safetensors");
  EXPECT_EQ(run["hash"].get<std::string>().size(), 64u);
}

TEST(GridCommandTest, ExampleGridListsWithTheRepositoryConfigs) {
  const CommandResult r = RunClipglass("grid " + Quote(kSource + "/experiments/example.yaml") +
                                       " --configs " + Quote(kSource + "/configs"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("19 runs in sweep 'example'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("StyleGAN2_ffhq_nod"), std::string::npos);
}

TEST(GridCommandTest, ABadGridFailsWithOneLineAndExitCode2) {
  const std::string path = kData + "bad/unknown_key.yaml";
  const CommandResult r =
      RunClipglass("grid " + Quote(path) + " --configs " + Quote(kData + "configs"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "clipglass: error: " + path +
                       ":5:3: unknown key 'sedes' in axes block 1 (did you mean 'seed'?)\n");
}

TEST(GridCommandTest, AMissingTargetImageFailsBeforeWork) {
  const std::string path = kData + "bad/missing_image.yaml";
  const CommandResult r =
      RunClipglass("grid " + Quote(path) + " --configs " + Quote(kData + "configs"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":6:14: axis 'target': image 'no_such_picture.png' not found"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST(GridCommandTest, CheckWeightsNamesTheMissingFile) {
  const CommandResult r =
      RunClipglass("grid --check-weights " + Quote(kData + "good.yaml") + " --configs " +
                   Quote(kData + "configs") + " --weights-dir /nonexistent-weights");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("weights file 'tiny/G.safetensors' of config Tiny_d not found at "
                       "/nonexistent-weights/tiny/G.safetensors"),
            std::string::npos)
      << r.err;
}

TEST(GridCommandTest, AMissingGridFileIsBadInput) {
  const CommandResult r = RunClipglass("grid " + Quote(kData + "no_such_grid.yaml"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no_such_grid.yaml"), std::string::npos) << r.err;
}

}  // namespace
