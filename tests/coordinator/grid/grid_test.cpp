#include "coordinator/grid/grid.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "coordinator/grid/run_render.h"

namespace clipglass::grid {
namespace {

const std::string kData = std::string(CLIPGLASS_TEST_DATA_DIR) + "/grids/";

GridOptions FixtureOptions() { return {kData + "configs", "weights"}; }

Grid MustLoad(const std::string& path, const GridOptions& options) {
  StatusOr<Grid> grid = LoadGrid(path, options);
  EXPECT_TRUE(grid.ok()) << grid.status().ToString();
  return grid.ok() ? *grid : Grid{};
}

TEST(GridTest, ExpandsBlocksInTheDocumentedOrder) {
  const Grid grid = MustLoad(kData + "good.yaml", FixtureOptions());
  EXPECT_EQ(grid.name, "good");
  EXPECT_EQ(grid.archive, "good.h5");
  EXPECT_EQ(grid.description, "every axis, small");
  // Block 1: 1 generator x 2 discriminator x 2 targets x 2 overrides x 2 seeds; then 1 and 1.
  ASSERT_EQ(grid.runs.size(), 18u);
  const std::vector<std::string> first_ids = {
      "0000-Tiny_d-t0-base-s3",  "0001-Tiny_d-t0-base-s1", "0002-Tiny_d-t0-big-s3",
      "0003-Tiny_d-t0-big-s1",   "0004-Tiny_d-t1-base-s3", "0005-Tiny_d-t1-base-s1",
      "0006-Tiny_d-t1-big-s3",   "0007-Tiny_d-t1-big-s1",  "0008-Tiny_nod-t0-base-s3",
      "0009-Tiny_nod-t0-base-s1"};
  for (size_t i = 0; i < first_ids.size(); ++i) EXPECT_EQ(grid.runs[i].id, first_ids[i]);
  EXPECT_EQ(grid.runs[15].id, "0015-Tiny_nod-t1-big-s1");
  EXPECT_EQ(grid.runs[16].id, "0016-TinyBigGAN-t0-s5");
  EXPECT_EQ(grid.runs[17].id, "0017-TinyGPT2-t0-s0");  // no seed axis: seed 0
  for (size_t i = 0; i < grid.runs.size(); ++i) {
    EXPECT_EQ(grid.runs[i].index, static_cast<int64_t>(i));
  }
  EXPECT_EQ(grid.runs[15].block, 0);
  EXPECT_EQ(grid.runs[16].block, 1);
  EXPECT_EQ(grid.runs[17].block, 2);
}

TEST(GridTest, ResolvesGeneratorAndDiscriminatorToConfigs) {
  const Grid grid = MustLoad(kData + "good.yaml", FixtureOptions());
  ASSERT_EQ(grid.runs.size(), 18u);
  const RunSpec& d = grid.runs[0];
  EXPECT_EQ(d.generator, "Tiny");
  EXPECT_EQ(d.config.name, "Tiny_d");
  EXPECT_TRUE(d.discriminator);
  EXPECT_EQ(d.objectives(), 2);
  EXPECT_EQ(d.ga.algorithm, Algorithm::kNsga2);
  const RunSpec& nod = grid.runs[8];
  EXPECT_EQ(nod.config.name, "Tiny_nod");
  EXPECT_FALSE(nod.discriminator);
  EXPECT_EQ(nod.ga.algorithm, Algorithm::kGa);
  EXPECT_EQ(nod.where.line, 7);
  EXPECT_EQ(nod.where.column, 17);
}

TEST(GridTest, TargetsKeepTheirKindTextAndImageHash) {
  const Grid grid = MustLoad(kData + "good.yaml", FixtureOptions());
  ASSERT_EQ(grid.runs.size(), 18u);
  EXPECT_EQ(grid.runs[0].target.kind, TargetKind::kCaption);
  EXPECT_EQ(grid.runs[0].target.text, "a red circle");
  EXPECT_EQ(grid.runs[4].target.text, "a blue square");  // {caption: ...} form
  EXPECT_EQ(grid.runs[4].target_index, 1);
  const RunSpec& gpt = grid.runs[17];
  EXPECT_EQ(gpt.task(), Task::kImg2Txt);
  EXPECT_EQ(gpt.target.kind, TargetKind::kImage);
  EXPECT_EQ(gpt.target.text, "red_circle.png");
  EXPECT_EQ(gpt.target.path, kData + "red_circle.png");
  EXPECT_EQ(gpt.target.sha256.size(), 64u);
}

TEST(GridTest, SettingsMergeConfigThenGridThenBlockThenOverride) {
  const Grid grid = MustLoad(kData + "good.yaml", FixtureOptions());
  ASSERT_EQ(grid.runs.size(), 18u);
  // Config: population 8, generations 10. Grid settings: generations 20.
  const RunSpec& base = grid.runs[0];
  EXPECT_EQ(base.override_name, "base");
  EXPECT_EQ(base.ga.population, 8);
  EXPECT_EQ(base.ga.generations, 20);
  EXPECT_EQ(base.ga.batch_size, 4);
  EXPECT_EQ(base.ga.operators.pm.eta, 3.0);  // the default
  // Override "big": population 12 and PM eta 20; the rest as before.
  const RunSpec& big = grid.runs[2];
  EXPECT_EQ(big.override_name, "big");
  EXPECT_EQ(big.ga.population, 12);
  EXPECT_EQ(big.ga.operators.pm.eta, 20.0);
  EXPECT_EQ(big.ga.operators.pm.prob, 0.5);
  EXPECT_EQ(big.ga.generations, 20);
  // The resolved config keeps its own defaults; only run.ga carries the merge.
  EXPECT_EQ(big.config.ga.population, 8);
  // Block settings beat grid settings.
  EXPECT_EQ(grid.runs[17].ga.generations, 5);
  EXPECT_EQ(grid.runs[16].ga.generations, 20);
  EXPECT_EQ(grid.runs[16].ga.population, 6);
}

TEST(GridTest, FinalWeightsReachTheRunAndItsRenderedConfig) {
  const Grid grid = MustLoad(kData + "final_weights.yaml", FixtureOptions());
  ASSERT_EQ(grid.runs.size(), 2u);
  EXPECT_TRUE(grid.runs[0].ga.final_weights.empty());  // the original's [0, 1]
  EXPECT_EQ(RenderRunYaml(grid.runs[0]).find("final_weights"), std::string::npos);
  EXPECT_EQ(grid.runs[1].ga.final_weights, (std::vector<double>{1.0, 0.0}));
  EXPECT_NE(RenderRunYaml(grid.runs[1]).find("final_weights"), std::string::npos);
}

TEST(GridTest, CategoricalOperatorsReachTheRunAndItsRenderedConfig) {
  const Grid grid = MustLoad(kData + "categorical.yaml", FixtureOptions());
  ASSERT_EQ(grid.runs.size(), 3u);
  const OperatorSettings& ordinal = grid.runs[0].ga.operators;
  EXPECT_FALSE(ordinal.uniform_prob.has_value());  // the original's SBX and polynomial mutation
  EXPECT_FALSE(ordinal.reset_prob.has_value());
  EXPECT_EQ(RenderRunYaml(grid.runs[0]).find("uniform:"), std::string::npos);  // not the sampler
  EXPECT_EQ(RenderRunYaml(grid.runs[0]).find("reset:"), std::string::npos);
  const OperatorSettings& categorical = grid.runs[1].ga.operators;
  EXPECT_EQ(categorical.uniform_prob, 0.8);
  EXPECT_EQ(categorical.reset_prob, 0.1);
  const std::string rendered = RenderRunYaml(grid.runs[1]);
  EXPECT_NE(rendered.find("uniform:"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("reset:"), std::string::npos) << rendered;
  EXPECT_NE(RunConfigHash(grid.runs[0]), RunConfigHash(grid.runs[1]));
}

TEST(GridTest, IdsAreUniqueAndStableAcrossLoads) {
  const Grid a = MustLoad(kData + "good.yaml", FixtureOptions());
  const Grid b = MustLoad(kData + "good.yaml", FixtureOptions());
  ASSERT_EQ(a.runs.size(), b.runs.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < a.runs.size(); ++i) {
    EXPECT_EQ(a.runs[i].id, b.runs[i].id);
    EXPECT_TRUE(ids.insert(a.runs[i].id).second) << a.runs[i].id;
  }
}

TEST(GridTest, ExampleGridExpandsOverThePaperConfigs) {
  const std::string root = CLIPGLASS_SOURCE_DIR;
  const Grid grid = MustLoad(root + "/experiments/example.yaml", {root + "/configs", "w"});
  // FFHQ: 2 discriminator x 2 captions x 2 overrides x 2 seeds; BigGAN: 2 seeds; GPT-2: 1.
  ASSERT_EQ(grid.runs.size(), 19u);
  EXPECT_EQ(grid.runs[0].id, "0000-StyleGAN2_ffhq_d-t0-paper-s1");
  EXPECT_EQ(grid.runs[2].id, "0002-StyleGAN2_ffhq_d-t0-islands4-s1");
  EXPECT_EQ(grid.runs[2].ga.islands, 4);
  EXPECT_EQ(grid.runs[2].ga.migration.count, 2);
  EXPECT_EQ(grid.runs[8].config.name, "StyleGAN2_ffhq_nod");
  EXPECT_EQ(grid.runs[16].id, "0016-DeepMindBigGAN256-t0-s1");
  EXPECT_EQ(grid.runs[17].seed, 2u);
  EXPECT_EQ(grid.runs[18].config.name, "GPT2");
  EXPECT_EQ(grid.runs[18].ga.generations, 100);
  EXPECT_EQ(grid.runs[18].ga.population, 100);
  EXPECT_EQ(grid.runs[0].ga.population, 16);
  EXPECT_EQ(grid.runs[0].config.model.generator.path, "w/stylegan2/ffhq-config-f/G.safetensors");
}

TEST(GridTest, WidensIdsPastTenThousandRuns) {
  // 101 x 100 runs need five digits: the index width grows with the grid.
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/wide_grid.yaml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fprintf(f, "name: wide\naxes:\n  generator: [Tiny_nod]\n  target:\n");
  for (int i = 0; i < 101; ++i) std::fprintf(f, "    - caption %d\n", i);
  std::fprintf(f, "  seed: {first: 0, count: 100}\n");
  std::fclose(f);
  const Grid grid = MustLoad(path, FixtureOptions());
  ASSERT_EQ(grid.runs.size(), 10100u);
  EXPECT_EQ(grid.runs[0].id, "00000-Tiny_nod-t0-s0");
  EXPECT_EQ(grid.runs[10099].id, "10099-Tiny_nod-t100-s99");
}

// Each bad grid fails with one line that points at the offending value.
TEST(GridTest, BadGridsGiveOneLocatedLine) {
  struct Case {
    std::string file;
    std::string location;  // line:column in the file named first in the message
    std::string message;   // a part of the message
  };
  const Case cases[] = {
      {"unknown_key", "5:3", "unknown key 'sedes' in axes block 1 (did you mean 'seed'?)"},
      {"wrong_type", "3:15", "'population' must be an integer, got 'many'"},
      {"quoted_number", "3:16", "'generations' must be an integer, got the string \"20\""},
      {"axis_not_list", "5:9", "axis 'seed' must be a list, got '3'"},
      {"empty_axis", "4:11", "axis 'target' is empty"},
      {"population_odd", "7:19",
       "population 7 is too small or odd: ga mates pairs chosen by "
       "binary tournament and needs an even population >= 2 (config "
       "Tiny_nod, override 'odd')"},
      {"population_nsga2", "3:15",
       "population 2 is too small or odd: nsga2 needs an even "
       "population >= 4 (config Tiny_d)"},
      {"batch_size", "3:15", "batch_size 0 must be >= 1"},
      {"negative_generations", "6:18", "generations -5 must be >= 1"},
      {"unknown_generator", "3:25",
       "unknown generator 'TinyBigGun' (did you mean 'TinyBigGAN'?); "
       "known: Broken, Tiny, TinyBigGAN, TinyGPT2, TinyGPT2Words, Tiny_d, Tiny_nod"},
      {"no_discriminator", "4:26",
       "axis 'discriminator': true, but generator 'TinyBigGAN' has no "
       "discriminator"},
      {"ambiguous_generator", "3:15", "'Tiny' has configs Tiny_d and Tiny_nod"},
      {"fixed_discriminator", "4:25",
       "false conflicts with config 'Tiny_d', which fixes "
       "use_discriminator: true; name the generator 'Tiny'"},
      {"empty_caption", "4:26", "axis 'target': caption is empty"},
      {"caption_for_img2txt", "5:7",
       "a caption cannot be the target of 'TinyGPT2', which is "
       "img2txt"},
      {"image_for_txt2img", "5:7", "an image cannot be the target of 'Tiny_nod', which is txt2img"},
      {"missing_image", "6:14", "axis 'target': image 'no_such_picture.png' not found"},
      {"not_an_image", "5:15",
       "axis 'target': image 'not_an_image.yaml': not a PNG image (target images are PNG files)"},
      {"truncated_image", "4:20", "axis 'target': image 'truncated.png': corrupt PNG"},
      {"ga_with_discriminator", "7:18",
       "algorithm ga optimises one objective, but the "
       "discriminator makes two"},
      {"unknown_algorithm", "3:14",
       "'algorithm' must be one of ga, nsga2, random, got 'nsga3' "
       "(did you mean 'nsga2'?)"},
      {"duplicate_key", "6:3", "duplicate key 'seed' in axes block 1 (first at line 5)"},
      {"duplicate_seed", "5:16", "axis 'seed': 1 is listed twice"},
      {"syntax_error", "", "YAML syntax error"},
      {"missing_name", "1:1", "missing key 'name' in the grid"},
      {"empty_file", "1:1", "empty grid"},
      {"migrants", "5:12", "migration.count 8 must be in [0, population) = [0, 8)"},
      {"probability", "4:16", "operators.pm.prob 1.5 must be a probability in [0, 1]"},
      {"reset_probability", "4:19", "operators.reset.prob -0.5 must be a probability in [0, 1]"},
      {"budget", "4:20",
       "max_evaluations 10 cannot evaluate even the initial populations "
       "(population 8 x islands 2)"},
      {"bad_topology", "4:25", "'topology' must be one of ring, random, got 'star'"},
      {"final_weights_one_objective", "3:18",
       "final_weights picks on a two-objective Pareto front, but this run has one objective"},
      {"final_weights_shape", "3:18",
       "final_weights must be two weights >= 0 (similarity, discriminator loss), not both 0, "
       "got [1, 0, 2]"},
      {"repeated_config", "3:25",
       "axis 'generator': 'Tiny' resolves to config Tiny_nod, which "
       "'Tiny_nod' already gives: the runs would repeat"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string path = kData + "bad/" + c.file + ".yaml";
    StatusOr<Grid> grid = LoadGrid(path, FixtureOptions());
    ASSERT_FALSE(grid.ok());
    const std::string& m = grid.status().message();
    EXPECT_EQ(grid.status().code(), StatusCode::kInvalidArgument);
    const std::string prefix = c.location.empty() ? path + ":" : path + ":" + c.location + ": ";
    EXPECT_EQ(m.rfind(prefix, 0), 0u) << m;
    EXPECT_NE(m.find(c.message), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(GridTest, ErrorsInANamedConfigPointIntoTheConfigAndBackAtTheGrid) {
  const std::string path = kData + "bad/bad_config.yaml";
  StatusOr<Grid> grid = LoadGrid(path, FixtureOptions());
  ASSERT_FALSE(grid.ok());
  const std::string& m = grid.status().message();
  EXPECT_EQ(m.rfind(kData + "configs/Broken.yaml:9:3: unknown key 'populaton' in ga (did you "
                            "mean 'population'?)",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find("(config of generator 'Broken' at " + path + ":3:15)"), std::string::npos) << m;
}

TEST(GridTest, MissingGridFileAndConfigsDirAreBadInput) {
  StatusOr<Grid> grid = LoadGrid(kData + "no_such_grid.yaml", FixtureOptions());
  ASSERT_FALSE(grid.ok());
  EXPECT_EQ(grid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(grid.status().message().find("no_such_grid.yaml"), std::string::npos);

  grid = LoadGrid(kData + "good.yaml", {kData + "no_such_configs", "weights"});
  ASSERT_FALSE(grid.ok());
  EXPECT_NE(grid.status().message().find("configs directory"), std::string::npos)
      << grid.status().message();
}

TEST(GridTest, DefaultDirectories) {
  EXPECT_EQ(DefaultConfigsDir("/nowhere/experiments/x.yaml").empty(), false);
  // Inside a directory without configs/, the default is beside the grid's folder.
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(::testing::TempDir());
  if (!std::filesystem::exists("configs")) {
    EXPECT_EQ(DefaultConfigsDir("proj/experiments/x.yaml"), "proj/configs");
    EXPECT_EQ(DefaultConfigsDir("x.yaml"), "../configs");
  }
  std::filesystem::current_path(cwd);
  setenv("CLIPGLASS_WEIGHTS_DIR", "/models/here", 1);
  EXPECT_EQ(DefaultWeightsDir(), "/models/here");
  setenv("CLIPGLASS_WEIGHTS_DIR", "", 1);
  EXPECT_EQ(DefaultWeightsDir(), "weights");
  unsetenv("CLIPGLASS_WEIGHTS_DIR");
  EXPECT_EQ(DefaultWeightsDir(), "weights");
}

}  // namespace
}  // namespace clipglass::grid
