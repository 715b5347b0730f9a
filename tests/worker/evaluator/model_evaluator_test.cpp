// The model evaluator on the fixture models, one family at a time: shapes and ranges of the
// objectives, kept outputs, and the failures the coordinator must be told about.
#include "worker/evaluator/model_evaluator.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "common/png_codec.h"
#include "tests/worker/evaluator/evaluator_test_util.h"
#include "worker/models/gpt2_caption.h"
#include "worker/models/stylegan2.h"

namespace clipglass::worker {
namespace {

using testing::BigganGenomes;
using testing::BigganLayout;
using testing::BigganSpec;
using testing::CaptionTarget;
using testing::DataPath;
using testing::Gpt2Layout;
using testing::Gpt2Spec;
using testing::MakeAssign;
using testing::RealGenomes;
using testing::StyleganLayout;
using testing::StyleganSpec;
using testing::TempDir;
using testing::TokenGenomes;

std::unique_ptr<ModelEvaluator> MakeEvaluator(int64_t micro_batch = 4) {
  ModelEvaluatorOptions options;
  options.micro_batch = micro_batch;
  options.threads = 1;  // the fixtures are tiny; one thread avoids contention on shared machines
  auto evaluator = ModelEvaluator::Create(options);
  EXPECT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  return evaluator.ok() ? std::move(evaluator).value() : nullptr;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void ExpectSimilarities(const EvaluationResult& result, size_t count) {
  ASSERT_EQ(result.similarity.size(), count);
  for (float s : result.similarity) {
    EXPECT_TRUE(std::isfinite(s));
    EXPECT_GE(s, -1.0f);
    EXPECT_LE(s, 1.0f);
  }
}

// The PNG of kept output `index`, decoded.
RgbImage KeptImage(const EvaluationResult& result, uint32_t index) {
  for (const v1::Output& output : result.outputs) {
    if (output.index() != index) continue;
    auto image = DecodePng(output.png(), "output " + std::to_string(index));
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    return image.ok() ? *image : RgbImage{};
  }
  ADD_FAILURE() << "no output for individual " << index;
  return {};
}

TEST(ModelEvaluatorTest, Stylegan2WithoutDiscriminator) {
  auto evaluator = MakeEvaluator();
  const auto genomes = RealGenomes(6, 32, 1);
  const v1::Assign assign =
      MakeAssign(StyleganSpec(false), StyleganLayout(), genomes,
                 {CaptionTarget("a red circle"), CaptionTarget("a blue square")},
                 {0, 1, 0, 0, 1, 1}, /*want_discriminator=*/false, /*keep=*/{0, 4});
  bool permanent = true;
  auto result = evaluator->Evaluate(assign, &permanent);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(permanent);
  ExpectSimilarities(*result, 6);
  EXPECT_TRUE(result->discriminator_loss.empty());
  EXPECT_GT(result->load_seconds, 0.0);
  EXPECT_GT(result->eval_seconds, 0.0);
  ASSERT_EQ(result->outputs.size(), 2u);
  for (uint32_t index : {0u, 4u}) {
    const RgbImage image = KeptImage(*result, index);
    EXPECT_EQ(image.width, 32);
    EXPECT_EQ(image.height, 32);
  }
  EXPECT_EQ(evaluator->LoadedModels(), std::vector<std::string>{"TinyStyleGAN2_nod"});
  // Different genomes or targets give different scores (the pipeline is not constant).
  EXPECT_NE(result->similarity[0], result->similarity[2]);
}

TEST(ModelEvaluatorTest, TargetsAreMatchedPerIndividual) {
  auto evaluator = MakeEvaluator();
  const auto genome = RealGenomes(1, 32, 2);
  const std::vector<std::vector<double>> twice = {genome[0], genome[0]};
  bool permanent = false;
  auto both = evaluator->Evaluate(
      MakeAssign(StyleganSpec(false), StyleganLayout(), twice,
                 {CaptionTarget("a red circle"), CaptionTarget("a green triangle")}, {0, 1}),
      &permanent);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  auto second = evaluator->Evaluate(MakeAssign(StyleganSpec(false), StyleganLayout(), genome,
                                               {CaptionTarget("a green triangle")}, {0}),
                                    &permanent);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(both->similarity[0], both->similarity[1]);
  EXPECT_EQ(both->similarity[1], second->similarity[0]);
}

TEST(ModelEvaluatorTest, Stylegan2WithDiscriminator) {
  auto evaluator = MakeEvaluator();
  v1::ModelSpec spec = StyleganSpec(true);
  spec.set_truncation(0.7f);
  const auto genomes = RealGenomes(8, 32, 3);
  bool permanent = true;
  auto result =
      evaluator->Evaluate(MakeAssign(spec, StyleganLayout(), genomes, {CaptionTarget("a face")},
                                     std::vector<uint32_t>(8, 0),
                                     /*want_discriminator=*/true),
                          &permanent);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectSimilarities(*result, 8);
  ASSERT_EQ(result->discriminator_loss.size(), 8u);

  // The loss is relu(1 - D(G(z))) with D run on 4 copies of the image (NVIDIA's D, minibatch-std
  // groups of 4): the evaluator's groups of one give the same up to rounding of the group mean.
  auto g =
      models::Stylegan2Generator::Load(testing::ReferencePath("stylegan2/G_weights.safetensors"));
  auto d = models::Stylegan2Discriminator::Load(
      testing::ReferencePath("stylegan2/D_weights.safetensors"));
  ASSERT_TRUE(g.ok() && d.ok());
  int positive = 0;
  for (int i = 0; i < 8; ++i) {
    std::vector<float> z(genomes[i].begin(), genomes[i].end());
    auto img = (*g)->SynthesizeFromZ(at::tensor(z).view({1, 32}), 0.7);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    auto logits = (*d)->Logits(img->clamp(-1.0, 1.0).expand({4, 3, 32, 32}).contiguous());
    ASSERT_TRUE(logits.ok()) << logits.status().ToString();
    const float expected = std::max(0.0f, 1.0f - (*logits)[0][0].item<float>());
    EXPECT_NEAR(result->discriminator_loss[i], expected, 1e-5) << i;
    EXPECT_GE(result->discriminator_loss[i], 0.0f);
    positive += result->discriminator_loss[i] > 0.0f;
  }
  EXPECT_GT(positive, 0) << "every logit above 1: the check above compared zeros";
}

TEST(ModelEvaluatorTest, DiscriminatorAskedWithoutWeightsIsPermanent) {
  auto evaluator = MakeEvaluator();
  bool permanent = false;
  auto result =
      evaluator->Evaluate(MakeAssign(StyleganSpec(false), StyleganLayout(), RealGenomes(2, 32, 4),
                                     {CaptionTarget("x")}, {0, 0}, /*want_discriminator=*/true),
                          &permanent);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(permanent);
  EXPECT_NE(result.status().message().find("discriminator"), std::string::npos);
}

TEST(ModelEvaluatorTest, Stylegan2LatentSpacesAndNoiseModes) {
  auto evaluator = MakeEvaluator();
  for (const char* space : {"w", "w+"}) {
    v1::ModelSpec spec = StyleganSpec(false);
    spec.set_latent_space(space);
    spec.set_truncation(0.7f);
    const int width = std::string(space) == "w" ? 32 : 8 * 32;  // num_ws 8, w_dim 32
    bool permanent = false;
    auto result = evaluator->Evaluate(
        MakeAssign(spec, {{wire::GeneKind::kReal, width}}, RealGenomes(3, width, 5),
                   {CaptionTarget("a car")}, {0, 0, 0}),
        &permanent);
    ASSERT_TRUE(result.ok()) << space << ": " << result.status().ToString();
    ExpectSimilarities(*result, 3);
  }
  for (const char* noise : {"none", "random"}) {
    v1::ModelSpec spec = StyleganSpec(false);
    spec.set_noise_mode(noise);
    bool permanent = false;
    auto result = evaluator->Evaluate(
        MakeAssign(spec, StyleganLayout(), RealGenomes(2, 32, 6), {CaptionTarget("a car")}, {0, 0}),
        &permanent);
    ASSERT_TRUE(result.ok()) << noise << ": " << result.status().ToString();
    ExpectSimilarities(*result, 2);
  }
}

TEST(ModelEvaluatorTest, Biggan) {
  auto evaluator = MakeEvaluator();
  const auto genomes = BigganGenomes(5, 7);
  bool permanent = true;
  auto result = evaluator->Evaluate(
      MakeAssign(BigganSpec(), BigganLayout(), genomes, {CaptionTarget("a wolf at night")},
                 {0, 0, 0, 0, 0}, false, /*keep=*/{2}),
      &permanent);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectSimilarities(*result, 5);
  EXPECT_TRUE(result->discriminator_loss.empty());
  const RgbImage image = KeptImage(*result, 2);
  EXPECT_EQ(image.width, 128);
  EXPECT_EQ(image.height, 128);
  EXPECT_NE(result->similarity[0], result->similarity[1]);
}

// The img2txt target of the GPT-2 tests.
v1::Target RedCircleImage() {
  v1::Target image;
  image.set_id("image:red_circle");
  image.set_image_png(ReadBytes(DataPath("grids/red_circle.png")));
  return image;
}

TEST(ModelEvaluatorTest, Gpt2Captions) {
  TempDir dir;
  const std::string weights = testing::WriteGpt2WithHeads(dir.File("gpt2.safetensors"));
  auto evaluator = MakeEvaluator();
  const v1::Target image = RedCircleImage();
  const auto genomes = TokenGenomes(5, 20, 8);
  bool permanent = true;
  auto result = evaluator->Evaluate(
      MakeAssign(Gpt2Spec(weights), Gpt2Layout(), genomes, {image}, {0, 0, 0, 0, 0}, false,
                 /*keep=*/{0, 1, 2, 3, 4}),
      &permanent);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectSimilarities(*result, 5);
  ASSERT_EQ(result->outputs.size(), 5u);
  for (const v1::Output& output : result->outputs) {
    EXPECT_TRUE(output.png().empty());
    // Captions keep the context text (parse_out drops only the genome) and at most 50 characters.
    EXPECT_EQ(models::KeepCodePoints(output.caption(), 50), output.caption());
    EXPECT_EQ(output.caption().rfind("the picture of", 0), 0u) << output.caption();
  }
}

TEST(ModelEvaluatorTest, Gpt2TokenOutsideVocabularyIsPermanent) {
  TempDir dir;
  const std::string weights = testing::WriteGpt2WithHeads(dir.File("gpt2.safetensors"));
  auto evaluator = MakeEvaluator();
  const v1::Target image = RedCircleImage();
  std::vector<std::vector<double>> genomes = TokenGenomes(2, 20, 9);
  genomes[1][3] = 50257;
  bool permanent = false;
  auto result = evaluator->Evaluate(
      MakeAssign(Gpt2Spec(weights), Gpt2Layout(), genomes, {image}, {0, 0}), &permanent);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(permanent);
  EXPECT_NE(result.status().message().find("50256"), std::string::npos)
      << result.status().message();
}

TEST(ModelEvaluatorTest, Gpt2GenomeTokenIdsMapGenesToTokens) {
  TempDir dir;
  const std::string weights = testing::WriteGpt2WithHeads(dir.File("gpt2.safetensors"));
  auto evaluator = MakeEvaluator();
  const v1::Target image = RedCircleImage();
  const std::vector<std::vector<double>> ids = TokenGenomes(4, 20, 10);
  // The alphabet: the ids these genomes use; the genes: each id's index in it.
  std::vector<double> alphabet;
  for (const auto& genome : ids) alphabet.insert(alphabet.end(), genome.begin(), genome.end());
  std::sort(alphabet.begin(), alphabet.end());
  alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());
  std::vector<std::vector<double>> genes = ids;
  for (auto& genome : genes) {
    for (double& gene : genome) {
      gene = static_cast<double>(std::lower_bound(alphabet.begin(), alphabet.end(), gene) -
                                 alphabet.begin());
    }
  }
  v1::ModelSpec spec = Gpt2Spec(weights);
  v1::ModelSpec mapped = spec;
  mapped.set_key("TinyGPT2-alphabet");
  for (double id : alphabet) mapped.add_gpt2_genome_token_ids(static_cast<uint32_t>(id));

  bool permanent = false;
  auto direct = evaluator->Evaluate(
      MakeAssign(spec, Gpt2Layout(), ids, {image}, {0, 0, 0, 0}, false, {0, 1, 2, 3}), &permanent);
  auto indexed = evaluator->Evaluate(
      MakeAssign(mapped, Gpt2Layout(), genes, {image}, {0, 0, 0, 0}, false, {0, 1, 2, 3}),
      &permanent);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  ASSERT_TRUE(indexed.ok()) << indexed.status().ToString();
  EXPECT_EQ(indexed->similarity, direct->similarity);
  ASSERT_EQ(indexed->outputs.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(indexed->outputs[i].caption(), direct->outputs[i].caption());
  }

  // A gene past the alphabet's end is a permanent error that names the key.
  genes[1][0] = static_cast<double>(alphabet.size());
  auto bad = evaluator->Evaluate(MakeAssign(mapped, Gpt2Layout(), genes, {image}, {0, 0, 0, 0}),
                                 &permanent);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(permanent);
  EXPECT_NE(bad.status().message().find("genome_token_ids"), std::string::npos)
      << bad.status().message();
}

TEST(ModelEvaluatorTest, Gpt2GenomeTokenIdsMapOnlyTheirSegmentsGenes) {
  TempDir dir;
  const std::string weights = testing::WriteGpt2WithHeads(dir.File("gpt2.safetensors"));
  auto evaluator = MakeEvaluator();
  const v1::Target image = RedCircleImage();
  const std::vector<std::vector<double>> ids = TokenGenomes(3, 20, 11);
  // Genes 16-19 index a 5-token alphabet; genes 0-15 stay token ids.
  const std::vector<double> alphabet = {7, 300, 42, 1000, 5};
  std::vector<std::vector<double>> genes = ids;
  std::vector<std::vector<double>> expected_ids = ids;
  for (size_t r = 0; r < ids.size(); ++r) {
    for (size_t c = 16; c < 20; ++c) {
      genes[r][c] = static_cast<double>((r + c) % alphabet.size());
      expected_ids[r][c] = alphabet[static_cast<size_t>(genes[r][c])];
    }
  }
  v1::ModelSpec spec = Gpt2Spec(weights);
  v1::ModelSpec mapped = spec;
  mapped.set_key("TinyGPT2-tail-alphabet");
  for (double id : alphabet) mapped.add_gpt2_genome_token_ids(static_cast<uint32_t>(id));
  mapped.set_gpt2_token_ids_first_gene(16);
  mapped.set_gpt2_token_ids_gene_count(4);

  bool permanent = false;
  auto direct = evaluator->Evaluate(
      MakeAssign(spec, Gpt2Layout(), expected_ids, {image}, {0, 0, 0}, false, {0, 1, 2}),
      &permanent);
  auto indexed = evaluator->Evaluate(
      MakeAssign(mapped, Gpt2Layout(), genes, {image}, {0, 0, 0}, false, {0, 1, 2}), &permanent);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  ASSERT_TRUE(indexed.ok()) << indexed.status().ToString();
  EXPECT_EQ(indexed->similarity, direct->similarity);
  ASSERT_EQ(indexed->outputs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(indexed->outputs[i].caption(), direct->outputs[i].caption());
  }

  // Genes the spec places past the genome's end: a permanent error naming the key.
  mapped.set_key("TinyGPT2-tail-alphabet-past-end");
  mapped.set_gpt2_token_ids_first_gene(18);
  auto bad =
      evaluator->Evaluate(MakeAssign(mapped, Gpt2Layout(), genes, {image}, {0, 0, 0}), &permanent);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(permanent);
  EXPECT_NE(bad.status().message().find("genes [18, 21] index genome_token_ids"), std::string::npos)
      << bad.status().message();
}

TEST(ModelEvaluatorTest, MissingWeightsArePermanentAndNamed) {
  auto evaluator = MakeEvaluator();
  v1::ModelSpec spec = StyleganSpec(false);
  spec.set_key("Broken_nod");
  spec.set_generator_weights(DataPath("reference/stylegan2/no_such_G.safetensors"));
  bool permanent = false;
  auto result = evaluator->Evaluate(
      MakeAssign(spec, StyleganLayout(), RealGenomes(2, 32, 10), {CaptionTarget("x")}, {0, 0}),
      &permanent);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(permanent);
  const std::string& message = result.status().message();
  EXPECT_NE(message.find("Broken_nod"), std::string::npos) << message;
  EXPECT_NE(message.find("no_such_G.safetensors"), std::string::npos) << message;
  EXPECT_TRUE(evaluator->LoadedModels().empty());
}

TEST(ModelEvaluatorTest, CorruptWeightsArePermanentAndNamed) {
  TempDir dir;
  const std::string corrupt = dir.File("D_corrupt.safetensors");
  {
    std::ofstream out(corrupt, std::ios::binary);
    out << std::string("\x40\x00\x00\x00\x00\x00\x00\x00{\"a\": not json", 24);
  }
  auto evaluator = MakeEvaluator();
  v1::ModelSpec spec = StyleganSpec(true);
  spec.set_discriminator_weights(corrupt);
  bool permanent = false;
  auto result = evaluator->Evaluate(MakeAssign(spec, StyleganLayout(), RealGenomes(2, 32, 11),
                                               {CaptionTarget("x")}, {0, 0}, true),
                                    &permanent);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(permanent);
  EXPECT_NE(result.status().message().find(corrupt), std::string::npos)
      << result.status().message();
}

TEST(ModelEvaluatorTest, WrongWeightsForTheFamilyArePermanent) {
  auto evaluator = MakeEvaluator();
  v1::ModelSpec spec = BigganSpec();
  spec.set_generator_weights(testing::ReferencePath("stylegan2/G_weights.safetensors"));
  bool permanent = false;
  auto result = evaluator->Evaluate(
      MakeAssign(spec, BigganLayout(), BigganGenomes(1, 12), {CaptionTarget("x")}, {0}),
      &permanent);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(permanent) << result.status().ToString();
  EXPECT_NE(result.status().message().find("G_weights.safetensors"), std::string::npos);
}

TEST(ModelEvaluatorTest, BadInputIsPermanent) {
  auto evaluator = MakeEvaluator();
  bool permanent = false;
  // A genome of the wrong width.
  auto wrong_width =
      evaluator->Evaluate(MakeAssign(StyleganSpec(false), {{wire::GeneKind::kReal, 31}},
                                     RealGenomes(2, 31, 13), {CaptionTarget("x")}, {0, 0}),
                          &permanent);
  ASSERT_FALSE(wrong_width.ok());
  EXPECT_TRUE(permanent);
  EXPECT_NE(wrong_width.status().message().find("31"), std::string::npos);
  // An empty caption.
  permanent = false;
  auto empty_caption =
      evaluator->Evaluate(MakeAssign(StyleganSpec(false), StyleganLayout(), RealGenomes(1, 32, 14),
                                     {CaptionTarget(" ")}, {0}),
                          &permanent);
  ASSERT_FALSE(empty_caption.ok());
  EXPECT_TRUE(permanent);
  // A target image that is not a PNG.
  v1::Target not_png;
  not_png.set_id("image:junk");
  not_png.set_image_png("GIF89a not really");
  permanent = false;
  auto junk = evaluator->Evaluate(
      MakeAssign(StyleganSpec(false), StyleganLayout(), RealGenomes(1, 32, 15), {not_png}, {0}),
      &permanent);
  ASSERT_FALSE(junk.ok());
  EXPECT_TRUE(permanent);
  EXPECT_NE(junk.status().message().find("image:junk"), std::string::npos)
      << junk.status().message();
  // A target index out of range, an unknown family.
  permanent = false;
  auto bad_index =
      evaluator->Evaluate(MakeAssign(StyleganSpec(false), StyleganLayout(), RealGenomes(1, 32, 16),
                                     {CaptionTarget("x")}, {1}),
                          &permanent);
  ASSERT_FALSE(bad_index.ok());
  EXPECT_TRUE(permanent);
  v1::ModelSpec unknown = StyleganSpec(false);
  unknown.set_family("vqgan");
  permanent = false;
  auto bad_family = evaluator->Evaluate(
      MakeAssign(unknown, StyleganLayout(), RealGenomes(1, 32, 17), {CaptionTarget("x")}, {0}),
      &permanent);
  ASSERT_FALSE(bad_family.ok());
  EXPECT_TRUE(permanent);
  EXPECT_NE(bad_family.status().message().find("vqgan"), std::string::npos);
}

TEST(ModelEvaluatorTest, OptionsAreChecked) {
  ModelEvaluatorOptions options;
  options.micro_batch = 0;
  EXPECT_FALSE(ResolveComputeSettings(options).ok());
  options.micro_batch = 8;
  options.device = "tpu:3";
  EXPECT_FALSE(ResolveComputeSettings(options).ok());
  options.device = "cpu";
  options.dtype = EvalDtype::kFloat16;
  auto cpu = ResolveComputeSettings(options);
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(cpu->dtype, at::kFloat);  // half precision is for GPUs
  EXPECT_FALSE(ParseEvalDtype("fp8").ok());
  EXPECT_EQ(*ParseEvalDtype("bf16"), EvalDtype::kBFloat16);
}

}  // namespace
}  // namespace clipglass::worker
