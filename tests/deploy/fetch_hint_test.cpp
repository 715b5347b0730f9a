// A missing weights file of a paper configuration names the config, the path and the
// deploy/weights/fetch.sh command that downloads it, for every config in configs/; the command's
// model names are ones fetch.sh's catalog has.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "coordinator/grid/config_loader.h"
#include "coordinator/grid/weights_check.h"

namespace clipglass::grid {
namespace {

std::set<std::string> FetchCatalog() {
  std::ifstream in(std::string(CLIPGLASS_SOURCE_DIR) + "/deploy/weights/fetch.sh");
  std::set<std::string> names;
  const std::regex row("^([a-z0-9-]+)\\|https://");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_search(line, match, row)) names.insert(match[1]);
  }
  return names;
}

TEST(FetchHintTest, EveryPaperConfigNamesItsFetchCommand) {
  const std::set<std::string> catalog = FetchCatalog();
  ASSERT_GE(catalog.size(), 7u) << "fetch.sh's catalog was not read";
  const std::string weights =
      (std::filesystem::path(::testing::TempDir()) / ("fetch_hint_" + std::to_string(::getpid())))
          .lexically_normal()
          .string();
  std::filesystem::create_directories(weights);
  const std::string configs = std::string(CLIPGLASS_SOURCE_DIR) + "/configs";
  StatusOr<std::vector<std::string>> names = ListConfigNames(configs);
  ASSERT_TRUE(names.ok()) << names.status().message();
  int paper_configs = 0;
  for (const std::string& name : *names) {
    StatusOr<GeneratorConfig> config = LoadGeneratorConfig(configs + "/" + name + ".yaml", weights);
    ASSERT_TRUE(config.ok()) << config.status().message();
    const Status status = CheckWeightsPresent(*config);
    ASSERT_EQ(status.code(), StatusCode::kNotFound) << name;
    const std::string& message = status.message();
    EXPECT_NE(message.find("of config " + name + " not found at " + weights + "/"),
              std::string::npos)
        << message;
    if (name.rfind("demo", 0) == 0 || name.rfind("Demo", 0) == 0) continue;  // shipped weights
    ++paper_configs;
    std::smatch match;
    const std::regex command("`deploy/weights/fetch\\.sh --dir ([^ ]+) ([a-z0-9-]+)`");
    ASSERT_TRUE(std::regex_search(message, match, command)) << message;
    EXPECT_EQ(match[1], weights) << message;
    EXPECT_TRUE(catalog.count(match[2])) << "fetch.sh has no model " << match[2];
  }
  EXPECT_GE(paper_configs, 9);
  std::filesystem::remove_all(weights);
}

TEST(FetchHintTest, EveryConfigWeightsFileMapsToACatalogModel) {
  const std::set<std::string> catalog = FetchCatalog();
  for (const char* relative :
       {"clip/ViT-B-32.pt", "gpt2/gpt2.safetensors", "stylegan2/ffhq-config-f/G.safetensors",
        "stylegan2/car-config-f/D.safetensors", "stylegan2/church-config-f/G.safetensors",
        "biggan/biggan-deep-256.safetensors", "biggan/biggan-deep-512.safetensors"}) {
    const std::string model = FetchModelFor(relative);
    EXPECT_TRUE(catalog.count(model)) << relative << " -> '" << model << "'";
  }
  EXPECT_EQ(FetchModelFor("demo/clip.safetensors"), "");
  EXPECT_EQ(FetchModelFor("stylegan2/ffhq-config-f.pkl"), "");
}

}  // namespace
}  // namespace clipglass::grid
