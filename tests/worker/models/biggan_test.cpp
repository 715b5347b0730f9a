// BigGAN-deep: parity with tests/data/reference/biggan (made by huggingface's
// pytorch-pretrained-BigGAN), the standing-statistics choice, config detection, the CLIP-GLaSS
// genome mapping and batch independence.
#include "worker/models/biggan.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "tests/worker/models/tensor_match.h"
#include "worker/models/biggan_modules.h"
#include "worker/weights/state_dict.h"

namespace clipglass::models {
namespace {

using ::clipglass::testing::AllClose;
using ::clipglass::testing::ReferencePath;

constexpr double kTol = 1e-4;  // atol = rtol, the fixture README's float32 tolerance

nlohmann::json ReferenceConfig() {
  std::ifstream in(ReferencePath("biggan/config.json"));
  return nlohmann::json::parse(in);
}

const weights::StateDict& Dict(const std::string& name) {
  static auto* dicts = new std::map<std::string, weights::StateDict>();
  auto it = dicts->find(name);
  if (it == dicts->end()) {
    auto dict = weights::LoadStateDict(ReferencePath("biggan/" + name + ".safetensors"));
    EXPECT_TRUE(dict.ok()) << dict.status().ToString();
    it = dicts->emplace(name, dict.ok() ? *dict : weights::StateDict{}).first;
  }
  return it->second;
}

at::Tensor Ref(const std::string& file, const std::string& key) {
  auto t = Dict(file).Get(key);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : at::Tensor();
}

std::unique_ptr<BigGanModel> LoadModel(BigGanOptions options = {}) {
  auto model = BigGanModel::FromStateDict(Dict("weights"), options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(*model) : nullptr;
}

double MaxAbs(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

TEST(BigGanStandingStats, MatchesTheFixtureTruncations) {
  const nlohmann::json selection = ReferenceConfig()["standing_stats_selection"]["per_truncation"];
  const int64_t n_stats = ReferenceConfig()["hyperparameters"]["n_stats"].get<int64_t>();
  ASSERT_EQ(selection.size(), 3u);
  for (const auto& [name, expected] : selection.items()) {
    auto choice = ChooseStandingStats(expected["truncation"].get<double>(), n_stats);
    ASSERT_TRUE(choice.ok()) << choice.status().ToString();
    EXPECT_EQ(choice->row, expected["start_idx"].get<int64_t>()) << name;
    // Bit for bit the Python double (0.617 -> 0.8499999999999979, not 0.85).
    EXPECT_EQ(choice->coef, expected["coef"].get<double>()) << name;
  }
}

TEST(BigGanStandingStats, InterpolatesWithTheOriginalsReversedWeights) {
  // rows[30] * coef + rows[31] * (1 - coef): with coef ~0.85 the result is near row 30.
  const at::Tensor means = at::arange(0, 51, at::kFloat).unsqueeze(1).repeat({1, 2});  // [51, 2]
  const at::Tensor vars = at::ones({51, 2});
  auto choice = ChooseStandingStats(0.617, 51);
  ASSERT_TRUE(choice.ok());
  const biggan::Stats s = biggan::SelectStandingStats(means, vars, *choice);
  EXPECT_NEAR(s.mean[0].item<double>(), 30 * 0.85 + 31 * 0.15, 1e-5);
  auto exact = ChooseStandingStats(0.4, 51);
  ASSERT_TRUE(exact.ok());
  EXPECT_FALSE(exact->interpolate());
  EXPECT_EQ(biggan::SelectStandingStats(means, vars, *exact).mean[1].item<double>(), 20.0);
}

TEST(BigGanStandingStats, RejectsTruncationsTheOriginalAssertsAgainst) {
  EXPECT_FALSE(ChooseStandingStats(0.0, 51).ok());
  EXPECT_FALSE(ChooseStandingStats(1.0001, 51).ok());
  EXPECT_FALSE(ChooseStandingStats(-0.5, 51).ok());
  EXPECT_FALSE(ChooseStandingStats(0.5, 1).ok());
  EXPECT_TRUE(ChooseStandingStats(1.0, 51).ok());
}

TEST(BigGanConfig, DetectedFromTheWeights) {
  auto config = DetectBigGanConfig(Dict("weights"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const nlohmann::json hp = ReferenceConfig()["hyperparameters"];
  const int64_t ch = hp["channel_width"].get<int64_t>();
  EXPECT_EQ(config->channel_width, ch);
  EXPECT_EQ(config->z_dim, hp["z_dim"].get<int64_t>());
  EXPECT_EQ(config->num_classes, hp["num_classes"].get<int64_t>());
  EXPECT_EQ(config->n_stats, hp["n_stats"].get<int64_t>());
  EXPECT_EQ(config->attention_position, hp["attention_layer_position"].get<int64_t>());
  EXPECT_EQ(config->output_resolution, hp["output_dim"].get<int64_t>());
  const nlohmann::json layers = hp["layers"];
  ASSERT_EQ(config->blocks.size(), layers.size());
  for (size_t k = 0; k < layers.size(); ++k) {
    EXPECT_EQ(config->blocks[k].up_sample, layers[k][0].get<bool>()) << "block " << k;
    EXPECT_EQ(config->blocks[k].in_channels, ch * layers[k][1].get<int64_t>()) << "block " << k;
    EXPECT_EQ(config->blocks[k].out_channels, ch * layers[k][2].get<int64_t>()) << "block " << k;
  }
}

TEST(BigGanConfig, ReleasedArchitecturesAreValid) {
  for (const BigGanConfig& c :
       {BigGanConfig::Deep128(), BigGanConfig::Deep256(), BigGanConfig::Deep512()}) {
    EXPECT_TRUE(c.Validate().ok()) << c.Validate().ToString();
  }
  EXPECT_EQ(BigGanConfig::Deep128().output_resolution, 128);
  EXPECT_EQ(BigGanConfig::Deep256().output_resolution, 256);
  EXPECT_EQ(BigGanConfig::Deep512().output_resolution, 512);
}

TEST(BigGanConfig, ErrorsNameTheProblem) {
  weights::StateDict dict = Dict("weights");
  dict.tensors.erase("embeddings.weight");
  auto missing = DetectBigGanConfig(dict);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("embeddings.weight"), std::string::npos);

  auto wrong_flags = DetectBigGanConfig(Dict("weights"), {true, false});
  ASSERT_FALSE(wrong_flags.ok());
  EXPECT_NE(wrong_flags.status().message().find("up-sampling flags"), std::string::npos);

  weights::StateDict extra = Dict("weights");
  extra.tensors["generator.extra"] = at::zeros({1});
  auto model = BigGanModel::FromStateDict(extra);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("generator.extra"), std::string::npos);
}

struct ParityCase {
  std::string image;  // output key
  std::string z;      // input key
  std::string classes;
  double truncation;
  std::string first_block;  // output key, or empty
};

const std::vector<ParityCase>& ParityCases() {
  static const auto* cases = new std::vector<ParityCase>{
      {"img_trunc0.4", "z_trunc0.4", "class_onehot", 0.4, "first_block_input_trunc0.4"},
      {"img_trunc1.0", "z_trunc1.0", "class_onehot", 1.0, "first_block_input_trunc1.0"},
      {"img_extra", "z_extra", "class_extra", 0.617, ""},
  };
  return *cases;
}

// (channels_last, fused_up_conv)
class BigGanParity : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(BigGanParity, MatchesTheOriginalAtEveryFixtureTruncation) {
  BigGanOptions options;
  options.channels_last = std::get<0>(GetParam());
  options.fused_up_conv = std::get<1>(GetParam());
  const std::string layout = std::string(options.channels_last ? " (NHWC" : " (NCHW") +
                             (options.fused_up_conv ? ", sub-pixel up-conv)" : ", up then conv)");
  auto model = LoadModel(options);
  ASSERT_NE(model, nullptr);
  for (const ParityCase& c : ParityCases()) {
    BigGanTrace trace;
    auto image =
        model->Generate(Ref("inputs", c.z), Ref("inputs", c.classes), c.truncation, &trace);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    const at::Tensor expected = Ref("outputs", c.image);
    EXPECT_TRUE(AllClose(*image, expected, kTol, kTol)) << c.image;
    std::cout << "[ parity ] " << c.image << " max abs error " << MaxAbs(*image, expected) << layout
              << "\n";
    if (!c.first_block.empty()) {
      const at::Tensor first = Ref("outputs", c.first_block);
      EXPECT_TRUE(AllClose(trace.first_block_input, first, kTol, kTol)) << c.first_block;
      std::cout << "[ parity ] " << c.first_block << " max abs error "
                << MaxAbs(trace.first_block_input, first) << "\n";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, BigGanParity,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()));

TEST(BigGanSubPixel, UpsampledFormEqualsUpsampleThenConv) {
  // conv3x3(nearest_up2(x)) through the 2x2 sub-pixel weights, in both memory layouts, with
  // non-square inputs and a bias.
  at::manual_seed(7);
  biggan::SnConv2d conv(6, 5, 3, /*bias=*/true);
  conv->weight_orig.normal_();
  conv->bias.normal_();
  conv->weight_u.normal_();
  conv->weight_v.normal_();
  conv->FoldSpectralNorm();
  conv->PrepareUpsampledForm();
  for (const at::MemoryFormat format :
       {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
    const at::Tensor x = at::randn({2, 6, 5, 7}).contiguous(format);  // [B, in, H, W]
    const at::Tensor expected = conv(at::upsample_nearest2d(x, {10, 14}));
    const at::Tensor got = conv->ForwardUpsampled(x);  // [B, out, 2H, 2W]
    EXPECT_TRUE(AllClose(got, expected, 1e-5, 1e-5));
    EXPECT_TRUE(got.is_contiguous(format));
  }
}

TEST(BigGanParityNegative, WrongTruncationStatisticsAreDetected) {
  // The standing statistics matter: the 0.4 inputs at truncation 0.42 (rows 21) miss the reference.
  auto model = LoadModel();
  ASSERT_NE(model, nullptr);
  auto image = model->Generate(Ref("inputs", "z_trunc0.4"), Ref("inputs", "class_onehot"), 0.42);
  ASSERT_TRUE(image.ok());
  EXPECT_FALSE(AllClose(*image, Ref("outputs", "img_trunc0.4"), kTol, kTol));
}

TEST(BigGanGenome, ClipsZAndSoftmaxesTheClassGenes) {
  at::Tensor genome = at::zeros({2, 128 + 1000}, at::kDouble);
  genome[0][0] = 3.5;
  genome[0][1] = -7.0;
  genome[0][2] = 1.25;
  genome[1][128 + 7] = 1.0;  // a bool gene set: the class vector favours class 7
  auto latent = MapClipGlassGenome(genome, 128, 1000);
  ASSERT_TRUE(latent.ok()) << latent.status().ToString();
  EXPECT_EQ(latent->z.scalar_type(), at::kFloat);
  EXPECT_EQ(latent->z[0][0].item<float>(), 2.0f);
  EXPECT_EQ(latent->z[0][1].item<float>(), -2.0f);
  EXPECT_EQ(latent->z[0][2].item<float>(), 1.25f);
  EXPECT_NEAR(latent->class_vector.sum(1)[1].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(latent->class_vector[0][5].item<double>(), 1.0 / 1000, 1e-9);
  EXPECT_NEAR(latent->class_vector[1][7].item<double>(), std::exp(1.0) / (999 + std::exp(1.0)),
              1e-7);
  EXPECT_FALSE(MapClipGlassGenome(at::zeros({2, 1127}), 128, 1000).ok());
}

TEST(BigGanGenome, GenomeOfTheFixtureReproducesItsImage) {
  // img_extra is CLIP-GLaSS's mapping of (z, class genes) at truncation 0.617; log(class) are
  // genes whose softmax is class_extra (up to float rounding).
  auto model = LoadModel();
  ASSERT_NE(model, nullptr);
  const at::Tensor z = Ref("inputs", "z_extra");
  at::Tensor genome = at::cat({z, Ref("inputs", "class_extra").log()}, 1).to(at::kDouble);
  genome[0][3] = 5.0;  // out of range: clipped to 2
  at::Tensor clipped_z = z.clone();
  clipped_z[0][3] = 2.0;
  auto from_genome = model->GenerateFromGenome(genome, 0.617);
  ASSERT_TRUE(from_genome.ok()) << from_genome.status().ToString();
  auto direct = model->Generate(clipped_z, Ref("inputs", "class_extra"), 0.617);
  ASSERT_TRUE(direct.ok());
  EXPECT_TRUE(AllClose(*from_genome, *direct, 1e-5, 1e-5));
}

TEST(BigGanBatching, AnImageDoesNotDependOnItsBatch) {
  BigGanOptions options;
  options.batch_size = 4;
  auto model = LoadModel(options);
  ASSERT_NE(model, nullptr);
  const at::Tensor z =
      at::cat({Ref("inputs", "z_trunc1.0"), Ref("inputs", "z_extra")});  // [4, 128]
  const at::Tensor classes =
      at::cat({Ref("inputs", "class_onehot"), Ref("inputs", "class_extra")});  // [4, 1000]
  auto all = model->Generate(z, classes, 1.0);
  ASSERT_TRUE(all.ok());
  for (int64_t i = 0; i < 4; ++i) {
    auto alone = model->Generate(z.narrow(0, i, 1), classes.narrow(0, i, 1), 1.0);
    ASSERT_TRUE(alone.ok());
    EXPECT_TRUE(at::equal(*alone, all->narrow(0, i, 1))) << "row " << i;
  }
  // Six rows run as two padded chunks of four.
  auto six = model->Generate(at::cat({z, z.narrow(0, 0, 2)}),
                             at::cat({classes, classes.narrow(0, 0, 2)}), 1.0);
  ASSERT_TRUE(six.ok());
  ASSERT_EQ(six->size(0), 6);
  EXPECT_TRUE(at::equal(six->narrow(0, 4, 2), all->narrow(0, 0, 2)));
  EXPECT_TRUE(AllClose(all->narrow(0, 0, 3), Ref("outputs", "img_trunc1.0"), kTol, kTol));
}

TEST(BigGanInputs, BadShapesAndTruncationsAreErrors) {
  auto model = LoadModel();
  ASSERT_NE(model, nullptr);
  const at::Tensor z = Ref("inputs", "z_trunc1.0");
  const at::Tensor classes = Ref("inputs", "class_onehot");
  EXPECT_FALSE(model->Generate(z.narrow(1, 0, 100), classes, 1.0).ok());
  EXPECT_FALSE(model->Generate(z, classes.narrow(0, 0, 2), 1.0).ok());
  EXPECT_FALSE(model->Generate(z, classes, 1.5).ok());
  EXPECT_FALSE(model->Generate(z.to(at::kLong), classes, 1.0).ok());
}

TEST(BigGanDtype, RunsInDoubleWithoutModelChanges) {
  // The compute dtype is the runner's choice (fp16/bf16 on GPU); float64 on CPU checks the plumbing
  // and gives the reference to ~1e-6 (the README's float64 figure).
  BigGanOptions options;
  options.dtype = at::kDouble;
  auto model = LoadModel(options);
  ASSERT_NE(model, nullptr);
  auto image = model->Generate(Ref("inputs", "z_trunc0.4"), Ref("inputs", "class_onehot"), 0.4);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->scalar_type(), at::kDouble);
  EXPECT_TRUE(AllClose(*image, Ref("outputs", "img_trunc0.4"), kTol, kTol));
}

TEST(BigGanRandom, ReleasedSizesBuild) {
  // The 128 px release's sizes with random weights: the right output shape, finite, in [-1, 1].
  BigGanConfig config = BigGanConfig::Deep128();
  auto model = BigGanModel::RandomForBenchmark(config, {}, 1);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  at::Tensor z = at::randn({1, 128}).clamp(-2, 2);
  at::Tensor classes = at::zeros({1, 1000});
  classes[0][1] = 1.0;
  auto image = (*model)->Generate(z, classes, 1.0);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->sizes(), (std::vector<int64_t>{1, 3, 128, 128}));
  EXPECT_TRUE(image->isfinite().all().item<bool>());
  EXPECT_LE(image->abs().max().item<double>(), 1.0);
}

}  // namespace
}  // namespace clipglass::models
