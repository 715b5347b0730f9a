#include "coordinator/grid/config_loader.h"

#include <gtest/gtest.h>

#include <string>

namespace clipglass::grid {
namespace {

const std::string kConfigs = std::string(CLIPGLASS_SOURCE_DIR) + "/configs/";
const std::string kBad = std::string(CLIPGLASS_TEST_DATA_DIR) + "/grids/bad_configs/";

GeneratorConfig MustLoad(const std::string& name) {
  StatusOr<GeneratorConfig> c = LoadGeneratorConfig(kConfigs + name + ".yaml", "w");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : GeneratorConfig{};
}

TEST(PaperConfigsTest, AllNineExistAndLoad) {
  StatusOr<std::vector<std::string>> names = ListConfigNames(kConfigs);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  for (const char* name :
       {"GPT2", "DeepMindBigGAN256", "DeepMindBigGAN512", "StyleGAN2_ffhq_d", "StyleGAN2_ffhq_nod",
        "StyleGAN2_car_d", "StyleGAN2_car_nod", "StyleGAN2_church_d", "StyleGAN2_church_nod"}) {
    EXPECT_NE(std::find(names->begin(), names->end(), name), names->end()) << name;
    EXPECT_EQ(MustLoad(name).name, name);
  }
}

// DESIGN.md's table of the original settings, row by row.
TEST(PaperConfigsTest, MatchTheOriginalGaSettings) {
  struct Row {
    std::string name;
    Task task;
    Algorithm algorithm;
    int64_t population;
    int64_t batch;
    int objectives;
  };
  const Row rows[] = {
      {"GPT2", Task::kImg2Txt, Algorithm::kGa, 100, 25, 1},
      {"DeepMindBigGAN256", Task::kTxt2Img, Algorithm::kGa, 64, 32, 1},
      {"DeepMindBigGAN512", Task::kTxt2Img, Algorithm::kGa, 32, 8, 1},
      {"StyleGAN2_ffhq_d", Task::kTxt2Img, Algorithm::kNsga2, 16, 4, 2},
      {"StyleGAN2_car_d", Task::kTxt2Img, Algorithm::kNsga2, 16, 4, 2},
      {"StyleGAN2_church_d", Task::kTxt2Img, Algorithm::kNsga2, 16, 4, 2},
      {"StyleGAN2_ffhq_nod", Task::kTxt2Img, Algorithm::kGa, 16, 4, 1},
      {"StyleGAN2_car_nod", Task::kTxt2Img, Algorithm::kGa, 16, 4, 1},
      {"StyleGAN2_church_nod", Task::kTxt2Img, Algorithm::kGa, 16, 4, 1},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const GeneratorConfig c = MustLoad(row.name);
    EXPECT_EQ(c.task, row.task);
    EXPECT_EQ(c.ga.algorithm, row.algorithm);
    EXPECT_EQ(c.ga.population, row.population);
    EXPECT_EQ(c.ga.batch_size, row.batch);
    EXPECT_EQ(c.objectives(), row.objectives);
    EXPECT_EQ(c.ga.generations, 500);
    EXPECT_EQ(c.ga.save_every, 50);
    EXPECT_TRUE(c.ga.faithful);
    EXPECT_EQ(c.ga.islands, 1);
    EXPECT_EQ(c.ga.operators.sbx.prob, 1.0);
    EXPECT_EQ(c.ga.operators.sbx.eta, 3.0);
    EXPECT_EQ(c.ga.operators.pm.prob, 0.5);
    EXPECT_EQ(c.ga.operators.pm.eta, 3.0);
    EXPECT_TRUE(c.clip.normalize);
    EXPECT_EQ(c.clip.image_size, 224);
    EXPECT_EQ(c.clip.weights.relative, "clip/ViT-B-32.pt");
    EXPECT_EQ(c.clip.weights.path, "w/clip/ViT-B-32.pt");
  }
}

TEST(PaperConfigsTest, StyleGan2GenomesAndDiscriminators) {
  for (const char* ds : {"ffhq", "car", "church"}) {
    SCOPED_TRACE(ds);
    const GeneratorConfig d = MustLoad(std::string("StyleGAN2_") + ds + "_d");
    const GeneratorConfig nod = MustLoad(std::string("StyleGAN2_") + ds + "_nod");
    ASSERT_EQ(d.genome.size(), 1u);
    EXPECT_EQ(d.genome[0].kind, SegmentKind::kReal);
    EXPECT_EQ(d.genome[0].size, 512);
    EXPECT_EQ(d.genome[0].low, -10);
    EXPECT_EQ(d.genome[0].high, 10);
    EXPECT_EQ(d.genome[0].sampler, Sampler::kNormal);
    EXPECT_EQ(d.genome[0].mean, 0);
    EXPECT_EQ(d.genome[0].stddev, 1);
    EXPECT_TRUE(d.use_discriminator);
    EXPECT_TRUE(d.model.has_discriminator());
    EXPECT_FALSE(nod.use_discriminator);
    EXPECT_FALSE(nod.model.has_discriminator());
    EXPECT_EQ(d.model.generator.relative, nod.model.generator.relative);
    EXPECT_EQ(d.model.stylegan2.truncation_psi, 1.0);
    EXPECT_EQ(AllWeights(d).size(), 3u);
    EXPECT_EQ(AllWeights(nod).size(), 2u);
  }
}

TEST(PaperConfigsTest, BigGanGenomeIsZThenSoftmaxClasses) {
  for (const char* name : {"DeepMindBigGAN256", "DeepMindBigGAN512"}) {
    SCOPED_TRACE(name);
    const GeneratorConfig c = MustLoad(name);
    EXPECT_EQ(c.model.family, ModelFamily::kBigGan);
    EXPECT_EQ(c.model.biggan.truncation, 1.0);
    EXPECT_EQ(c.model.biggan.num_classes, 1000);
    EXPECT_EQ(c.model.biggan.z_clip, 2.0);
    ASSERT_EQ(c.genome.size(), 2u);
    EXPECT_EQ(c.genome[0].kind, SegmentKind::kReal);
    EXPECT_EQ(c.genome[0].size, 128);
    EXPECT_EQ(c.genome[0].low, -2);
    EXPECT_EQ(c.genome[0].high, 2);
    EXPECT_EQ(c.genome[0].sampler, Sampler::kTruncatedNormal);
    EXPECT_EQ(c.genome[1].kind, SegmentKind::kBool);
    EXPECT_EQ(c.genome[1].size, 1000);
    EXPECT_EQ(c.genome[1].sampler, Sampler::kBernoulli);
    EXPECT_DOUBLE_EQ(c.genome[1].p, 5.0 / 1000);
    EXPECT_EQ(c.ga.operators.hux_prob, 0.2);
    EXPECT_DOUBLE_EQ(c.ga.operators.bitflip_prob, 10.0 / 1000);
    EXPECT_EQ(c.genes(), 1128);
  }
}

TEST(PaperConfigsTest, Gpt2CaptionSettings) {
  const GeneratorConfig c = MustLoad("GPT2");
  EXPECT_EQ(c.model.family, ModelFamily::kGpt2);
  EXPECT_EQ(c.model.gpt2.context, "the picture of");
  EXPECT_EQ(c.model.gpt2.generated_tokens, 30);
  EXPECT_EQ(c.model.gpt2.max_chars, 50);
  EXPECT_EQ(c.model.gpt2.decoding, Decoding::kGreedy);
  EXPECT_EQ(c.model.gpt2.vocab_size, 50257);
  ASSERT_EQ(c.genome.size(), 1u);
  EXPECT_EQ(c.genome[0].kind, SegmentKind::kInteger);
  EXPECT_EQ(c.genome[0].size, 20);
  EXPECT_EQ(c.genome[0].low, 0);
  EXPECT_EQ(c.genome[0].high, 50256);
  EXPECT_EQ(c.genome[0].sampler, Sampler::kUniform);
}

TEST(ConfigLoaderTest, DemoGpt2SearchesTheWorldsAttributeWords) {
  const std::string configs = std::string(CLIPGLASS_SOURCE_DIR) + "/configs/";
  StatusOr<GeneratorConfig> c = LoadGeneratorConfig(configs + "DemoGPT2.yaml", "weights");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const std::vector<int64_t> words = {1588, 1402, 2266, 4077, 4171,  7872,
                                      2330, 2042, 9197, 6616, 22950, 15291};
  EXPECT_EQ(c->model.gpt2.genome_token_ids, words);
  // 16 free GPT-2 ids (never <|endoftext|>), then the 4 slots the captioner follows, as words.
  EXPECT_EQ(c->model.gpt2.genome_token_ids_segment, "words");
  ASSERT_EQ(c->genome.size(), 2u);
  EXPECT_EQ(c->genome[0].size, 16);
  EXPECT_EQ(c->genome[0].high, 50255);
  EXPECT_EQ(c->genome[1].name, "words");
  EXPECT_EQ(c->genome[1].size, 4);
  EXPECT_EQ(c->genome[1].high, 11);
  // Configs without the key have no alphabet: the genes are the token ids.
  EXPECT_TRUE(MustLoad("GPT2").model.gpt2.genome_token_ids.empty());
}

TEST(ConfigLoaderTest, OneGpt2SegmentMayIndexTheTokenList) {
  const std::string fixtures = std::string(CLIPGLASS_TEST_DATA_DIR) + "/grids/configs/";
  StatusOr<GeneratorConfig> c = LoadGeneratorConfig(fixtures + "TinyGPT2Words.yaml", "weights");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->model.gpt2.genome_token_ids, (std::vector<int64_t>{1588, 1402, 2266}));
  EXPECT_EQ(c->model.gpt2.genome_token_ids_segment, "words");
  ASSERT_EQ(c->genome.size(), 2u);
  EXPECT_EQ(c->genome[0].high, 50255);  // token ids: checked against the vocabulary
  EXPECT_EQ(c->genome[1].high, 2);      // indices into the list
}

TEST(ConfigLoaderTest, ResolvesWeightsAgainstTheWeightsDir) {
  const std::string fixtures = std::string(CLIPGLASS_TEST_DATA_DIR) + "/grids/configs/";
  StatusOr<GeneratorConfig> c = LoadGeneratorConfig(fixtures + "Tiny_d.yaml", "some/dir/");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->model.generator.path, "some/dir/tiny/G.safetensors");
  EXPECT_EQ(c->model.discriminator.path, "some/dir/tiny/D.safetensors");
  EXPECT_EQ(c->model.generator.where.line, 7);
  // Absolute paths stay as they are.
  StatusOr<GeneratorConfig> gpt = LoadGeneratorConfig(fixtures + "TinyGPT2.yaml", "some/dir");
  ASSERT_TRUE(gpt.ok()) << gpt.status().ToString();
  EXPECT_EQ(gpt->model.generator.path, "/absolute/tiny/gpt2.safetensors");
  // Defaults fill what the file leaves out; the algorithm follows the objectives.
  EXPECT_EQ(gpt->ga.algorithm, Algorithm::kGa);
  EXPECT_EQ(c->ga.algorithm, Algorithm::kNsga2);
  EXPECT_EQ(gpt->clip.weights.relative, "clip/ViT-B-32.pt");
  EXPECT_FALSE(gpt->ga.faithful);
  EXPECT_EQ(gpt->model.gpt2.context, "the picture of");
  EXPECT_EQ(gpt->genome[0].sampler, Sampler::kUniform);
}

TEST(ConfigLoaderTest, BadConfigsGiveOneLocatedLine) {
  struct Case {
    std::string file;
    std::string location;  // line:column
    std::string message;   // a part of the message
  };
  const Case cases[] = {
      {"task_mismatch", "1:7", "task txt2img does not fit model family gpt2"},
      {"biggan_discriminator", "2:20", "family biggan has no discriminator"},
      {"family_key", "5:3", "key 'context' of model is not a setting of family stylegan2"},
      {"stylegan2_genome", "6:3",
       "a stylegan2 genome is one real segment (z), got: real x8, bool x4"},
      {"biggan_classes", "8:5",
       "the bool segment has 100 genes but the model has num_classes 1000"},
      {"gpt2_vocab", "6:5", "token ids [0, 50257] must lie in [0, vocab_size - 1 = 50256]"},
      {"gpt2_alphabet_range", "5:21",
       "'genome_token_ids': 50257 is not in [0, vocab_size - 1 = 50256]"},
      {"gpt2_alphabet_twice", "5:21", "'genome_token_ids': 1588 is listed twice"},
      {"gpt2_alphabet_genes", "7:5",
       "genes [0, 3] index genome_token_ids: they must lie in [0, 2]"},
      {"gpt2_alphabet_segment_unknown", "6:29",
       "'genome_token_ids_segment': 'wordz' is not a segment of the genome (free, words)"},
      {"gpt2_alphabet_segment_alone", "5:29",
       "'genome_token_ids_segment' needs 'genome_token_ids'"},
      {"gpt2_free_ids", "8:5", "token ids [0, 50257] must lie in [0, vocab_size - 1 = 50256]"},
      {"gpt2_real_segment", "6:3",
       "a gpt2 genome is made of integer segments (token ids), got: integer x16, real x4"},
      {"real_bounds", "9:11", "'high' -2 must be above 'low' 2"},
      {"bool_bounds", "8:32", "'low' does not apply to a bool segment"},
      {"Fake_d", "2:20", "config 'Fake_d' is named _d but use_discriminator is false"},
      {"sampler_kind", "6:54", "sampler bernoulli is for bool segments"},
      {"missing_weights_key", "3:3", "missing key 'generator_weights' in model"},
      {"discriminator_weights_missing", "2:20",
       "use_discriminator is true but model has no "
       "discriminator_weights"},
      {"empty_genome", "5:9", "'genome' has no segments"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string path = kBad + c.file + ".yaml";
    StatusOr<GeneratorConfig> config = LoadGeneratorConfig(path, "weights");
    ASSERT_FALSE(config.ok());
    const std::string& m = config.status().message();
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(m.rfind(path + ":" + c.location + ": ", 0), 0u) << m;
    EXPECT_NE(m.find(c.message), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(ConfigLoaderTest, MissingFileIsNamed) {
  StatusOr<GeneratorConfig> c = LoadGeneratorConfig(kBad + "no_such.yaml", "weights");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("no_such.yaml"), std::string::npos);
}

TEST(ConfigLoaderTest, ListConfigNamesOfAMissingDirIsNotFound) {
  EXPECT_EQ(ListConfigNames(kBad + "no_such_dir").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace clipglass::grid
