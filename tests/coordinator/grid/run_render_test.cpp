#include "coordinator/grid/run_render.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "coordinator/grid/run_table.h"
#include "coordinator/grid/weights_check.h"

namespace clipglass::grid {
namespace {

using Json = nlohmann::ordered_json;

const std::string kData = std::string(CLIPGLASS_TEST_DATA_DIR) + "/grids/";

Grid LoadGood(const std::string& weights_dir = "weights") {
  StatusOr<Grid> grid = LoadGrid(kData + "good.yaml", {kData + "configs", weights_dir});
  EXPECT_TRUE(grid.ok()) << grid.status().ToString();
  return grid.ok() ? *grid : Grid{};
}

// yaml-cpp's reading of our YAML, as JSON, so it can be compared with the source.
Json YamlToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    Json j = Json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
      j[it->first.Scalar()] = YamlToJson(it->second);
    }
    return j;
  }
  if (node.IsSequence()) {
    Json j = Json::array();
    for (const auto& x : node) j.push_back(YamlToJson(x));
    return j;
  }
  if (node.Tag() == "!") return node.Scalar();  // a quoted string
  const std::string& s = node.Scalar();
  if (s == "true" || s == "false") return s == "true";
  if (s.find_first_of(".eE") != std::string::npos) return std::stod(s);
  return Json::parse(s);  // an integer
}

// Numbers compared by value (1 == 1.0), everything else exactly.
void ExpectSameValues(const Json& a, const Json& b, const std::string& where) {
  if (a.is_number() && b.is_number()) {
    EXPECT_EQ(a.get<double>(), b.get<double>()) << where;
    return;
  }
  ASSERT_EQ(a.type_name(), std::string(b.type_name())) << where;
  if (a.is_object()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    auto ib = b.begin();
    for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib) {
      ASSERT_EQ(ia.key(), ib.key()) << where;  // same keys, same order
      ExpectSameValues(ia.value(), ib.value(), where + "." + ia.key());
    }
  } else if (a.is_array()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (size_t i = 0; i < a.size(); ++i)
      ExpectSameValues(a[i], b[i], where + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_EQ(a, b) << where;
  }
}

TEST(RunRenderTest, YamlReadsBackAsTheSameSettings) {
  const Grid grid = LoadGood();
  ASSERT_FALSE(grid.runs.empty());
  for (const RunSpec& run : grid.runs) {
    SCOPED_TRACE(run.id);
    const std::string text = RenderRunYaml(run);
    const YAML::Node parsed = YAML::Load(text);
    ExpectSameValues(YamlToJson(parsed), RunToJson(run, false), "run");
  }
}

TEST(RunRenderTest, StringsNeedingQuotesSurviveTheRoundTrip) {
  Json j;
  j["caption"] = "a: \"quoted\" #not-a-comment\nnext line \\ ünïcode";
  j["looks_like_a_number"] = "42";
  j["looks_like_a_bool"] = "true";
  j["nested"] = {{"list", Json::array({1, "two", Json::object({{"three", 3.5}})})}};
  j["empty_list"] = Json::array();
  j["empty_map"] = Json::object();
  const YAML::Node parsed = YAML::Load(JsonToYaml(j));
  EXPECT_EQ(parsed["caption"].as<std::string>(), j["caption"].get<std::string>());
  EXPECT_EQ(parsed["looks_like_a_number"].Tag(), "!");
  EXPECT_EQ(parsed["looks_like_a_bool"].as<std::string>(), "true");
  EXPECT_EQ(parsed["nested"]["list"][1].as<std::string>(), "two");
  EXPECT_EQ(parsed["nested"]["list"][2]["three"].as<double>(), 3.5);
  EXPECT_TRUE(parsed["empty_list"].IsSequence());
  EXPECT_EQ(parsed["empty_list"].size(), 0u);
  EXPECT_TRUE(parsed["empty_map"].IsMap());
}

TEST(RunRenderTest, YamlHasNoMachinePathsButJsonDoes) {
  const Grid grid = LoadGood("/machine/specific");
  const RunSpec& gpt = grid.runs.back();
  ASSERT_EQ(gpt.target.kind, TargetKind::kImage);
  EXPECT_EQ(RenderRunYaml(gpt).find("/machine/specific"), std::string::npos);
  EXPECT_EQ(RenderRunYaml(gpt).find(kData), std::string::npos);
  const Json j = RunToJson(gpt, true);
  EXPECT_EQ(j["local"]["generator_weights"], "/absolute/tiny/gpt2.safetensors");
  EXPECT_EQ(j["local"]["clip_weights"], "/machine/specific/clip/ViT-B-32.pt");
  EXPECT_EQ(j["local"]["target_image"], kData + "red_circle.png");
  EXPECT_EQ(j["model"]["context"], "the picture of");
  EXPECT_EQ(j["genome"][0]["kind"], "integer");
  EXPECT_EQ(j["ga"]["generations"], 5);
}

TEST(RunRenderTest, HashIgnoresPlaceAndNameButNotSettings) {
  const Grid a = LoadGood("weights");
  const Grid b = LoadGood("elsewhere");
  ASSERT_EQ(a.runs.size(), b.runs.size());
  std::set<std::string> hashes;
  for (size_t i = 0; i < a.runs.size(); ++i) {
    const std::string h = RunConfigHash(a.runs[i]);
    EXPECT_EQ(h.size(), 64u);
    EXPECT_EQ(h, RunConfigHash(b.runs[i])) << "the weights dir must not change the hash";
    hashes.insert(h);
  }
  EXPECT_EQ(hashes.size(), a.runs.size()) << "every run of the grid differs in some setting";

  RunSpec run = a.runs[0];
  const std::string original = RunConfigHash(run);
  run.id = "9999-renamed";
  run.index = 42;
  run.override_name = "other";
  EXPECT_EQ(RunConfigHash(run), original);
  for (auto change : std::vector<std::function<void(RunSpec&)>>{
           [](RunSpec& r) { r.seed += 1; },
           [](RunSpec& r) { r.ga.population += 2; },
           [](RunSpec& r) { r.ga.operators.sbx.eta = 15; },
           [](RunSpec& r) { r.ga.faithful = !r.ga.faithful; },
           [](RunSpec& r) { r.target.text += "!"; },
           [](RunSpec& r) { r.config.clip.normalize = !r.config.clip.normalize; },
           [](RunSpec& r) { r.config.genome[0].high += 1; },
           [](RunSpec& r) { r.config.model.generator.relative += ".old"; },
       }) {
    RunSpec changed = a.runs[0];
    change(changed);
    EXPECT_NE(RunConfigHash(changed), original);
  }
  // An image is identified by its bytes.
  RunSpec image = a.runs.back();
  const std::string image_hash = RunConfigHash(image);
  image.target.text = "moved/elsewhere.png";
  EXPECT_EQ(RunConfigHash(image), image_hash);
  image.target.sha256[0] = image.target.sha256[0] == '0' ? '1' : '0';
  EXPECT_NE(RunConfigHash(image), image_hash);
}

TEST(RunRenderTest, GenomeTokenIdsAreRenderedOnlyWhenSet) {
  const Grid grid = LoadGood();
  const auto gpt2 = std::find_if(grid.runs.begin(), grid.runs.end(), [](const RunSpec& r) {
    return r.config.model.family == ModelFamily::kGpt2;
  });
  ASSERT_NE(gpt2, grid.runs.end());
  RunSpec run = *gpt2;
  ASSERT_TRUE(run.config.model.gpt2.genome_token_ids.empty());
  const std::string before = RunConfigHash(run);
  EXPECT_EQ(RenderRunYaml(run).find("genome_token_ids"), std::string::npos);
  run.config.model.gpt2.genome_token_ids = {1588, 1402};
  EXPECT_NE(RenderRunYaml(run).find("genome_token_ids"), std::string::npos);
  EXPECT_EQ(RenderRunYaml(run).find("genome_token_ids_segment"), std::string::npos);
  const std::string with_list = RunConfigHash(run);
  EXPECT_NE(with_list, before);
  run.config.model.gpt2.genome_token_ids_segment = "tokens";
  EXPECT_NE(RenderRunYaml(run).find("genome_token_ids_segment"), std::string::npos);
  EXPECT_NE(RunConfigHash(run), with_list);
}

TEST(RunRenderTest, GridJsonListsEveryRunWithItsHash) {
  const Grid grid = LoadGood();
  const Json j = GridToJson(grid);
  EXPECT_EQ(j["name"], "good");
  ASSERT_EQ(j["runs"].size(), grid.runs.size());
  for (size_t i = 0; i < grid.runs.size(); ++i) {
    EXPECT_EQ(j["runs"][i]["id"], grid.runs[i].id);
    EXPECT_EQ(j["runs"][i]["hash"], RunConfigHash(grid.runs[i]));
  }
}

TEST(RunTableTest, AlignsColumnsByDisplayWidth) {
  Grid grid = LoadGood();
  grid.runs[1].target.text = "ünïcödé caption";
  grid.runs[2].target.text = std::string(60, 'x');
  const std::string table = FormatRunTable(grid);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = table.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(table.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), grid.runs.size() + 1);
  EXPECT_EQ(lines[0].rfind("id", 0), 0u);
  // Every line puts "disc" values in the same display column as the header.
  const size_t header_col = DisplayWidth(lines[0].substr(0, lines[0].find("disc")));
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const size_t at = line.find(grid.runs[i - 1].discriminator ? "  yes  " : "  no  ");
    ASSERT_NE(at, std::string::npos) << line;
    EXPECT_EQ(DisplayWidth(line.substr(0, at + 2)), header_col) << line;
  }
  EXPECT_NE(table.find(std::string(37, 'x') + "..."), std::string::npos);
  EXPECT_EQ(table.find(std::string(38, 'x')), std::string::npos);
  EXPECT_NE(table.find("0017-TinyGPT2-t0-s0"), std::string::npos);
  EXPECT_NE(table.find("red_circle.png"), std::string::npos);
}

TEST(WeightsCheckTest, NamesTheFirstMissingFileAndItsConfigLine) {
  const std::string dir =
      (std::filesystem::path(::testing::TempDir()) / ("grid_weights_" + std::to_string(::getpid())))
          .lexically_normal()
          .string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/tiny");
  const Grid grid = LoadGood(dir);
  const GeneratorConfig* tiny = &grid.runs[0].config;
  Status s = CheckWeightsPresent(*tiny);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("Tiny_d.yaml:7:22: weights file 'tiny/G.safetensors' of config "
                             "Tiny_d not found at " +
                             dir + "/tiny/G.safetensors"),
            std::string::npos)
      << s.message();
  for (const char* f : {"/tiny/G.safetensors", "/tiny/D.safetensors"}) {
    std::FILE* out = std::fopen((dir + f).c_str(), "w");
    ASSERT_NE(out, nullptr);
    std::fclose(out);
  }
  s = CheckWeightsPresent(*tiny);
  EXPECT_NE(s.message().find("'tiny/clip.safetensors'"), std::string::npos) << s.message();
  std::FILE* out = std::fopen((dir + "/tiny/clip.safetensors").c_str(), "w");
  ASSERT_NE(out, nullptr);
  std::fclose(out);
  EXPECT_TRUE(CheckWeightsPresent(*tiny).ok());
  // The grid also needs TinyBigGAN's and TinyGPT2's files.
  EXPECT_NE(CheckWeightsPresent(grid).message().find("TinyBigGAN"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace clipglass::grid
