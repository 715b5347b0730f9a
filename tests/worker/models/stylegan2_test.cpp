// StyleGAN2: parity with tests/data/reference/stylegan2 (NVIDIA's networks.py on seeded random
// weights), config detection, the FIR ops, noise modes, the W/W+ paths, the discriminator's
// grouping and objective, and the errors a bad checkpoint or input gives.
#include "worker/models/stylegan2.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/worker/models/fixture_dict.h"
#include "tests/worker/models/tensor_match.h"
#include "worker/models/stylegan2_config.h"
#include "worker/models/stylegan2_discriminator.h"
#include "worker/models/stylegan2_generator.h"
#include "worker/models/stylegan2_layers.h"
#include "worker/models/stylegan2_ops.h"
#include "worker/weights/state_dict.h"

namespace clipglass::models {
namespace {

using ::clipglass::testing::AllClose;
using ::clipglass::testing::LoadReferenceDictOrFail;
using ::clipglass::testing::ReferencePath;
using ::clipglass::testing::TensorOrFail;
using stylegan2::ModConvImpl;

constexpr double kTol = 1e-4;  // tests/data/reference/README.md: atol = rtol = 1e-4

template <typename T>
T Must(StatusOr<T> value) {
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  if (!value.ok()) throw std::runtime_error(value.status().ToString());
  return std::move(value).value();
}

// AllClose at the fixture tolerance, printing the worst absolute error for the record.
::testing::AssertionResult Parity(const std::string& name, const at::Tensor& actual,
                                  const at::Tensor& expected) {
  if (actual.sizes() == expected.sizes()) {
    const double err =
        (actual.to(at::kDouble) - expected.to(at::kDouble)).abs().max().item<double>();
    std::printf("[ parity   ] %-16s max |error| %.3g\n", name.c_str(), err);
  }
  return AllClose(actual, expected, kTol, kTol);
}

nlohmann::json ReferenceConfig() {
  std::ifstream in(ReferencePath("stylegan2/config.json"));
  return nlohmann::json::parse(in);
}

class Stylegan2ReferenceTest : public ::testing::TestWithParam<ModConvImpl> {
 protected:
  static void SetUpTestSuite() {
    g_dict_ = new weights::StateDict(LoadReferenceDictOrFail("stylegan2/G_weights.safetensors"));
    d_dict_ = new weights::StateDict(LoadReferenceDictOrFail("stylegan2/D_weights.safetensors"));
    inputs_ = new weights::StateDict(LoadReferenceDictOrFail("stylegan2/inputs.safetensors"));
    outputs_ = new weights::StateDict(LoadReferenceDictOrFail("stylegan2/outputs.safetensors"));
  }
  static void TearDownTestSuite() {
    delete g_dict_;
    delete d_dict_;
    delete inputs_;
    delete outputs_;
  }

  Stylegan2RuntimeOptions Runtime() const {
    Stylegan2RuntimeOptions runtime;
    runtime.modconv = GetParam();
    return runtime;
  }
  std::unique_ptr<Stylegan2Generator> G() const {
    return Must(Stylegan2Generator::FromStateDict(*g_dict_, Runtime()));
  }
  std::unique_ptr<Stylegan2Discriminator> D() const {
    return Must(Stylegan2Discriminator::FromStateDict(*d_dict_, Runtime()));
  }
  static at::Tensor Expected(const std::string& key) { return TensorOrFail(*outputs_, key); }
  static at::Tensor Z() { return TensorOrFail(*inputs_, "z"); }

  static weights::StateDict* g_dict_;
  static weights::StateDict* d_dict_;
  static weights::StateDict* inputs_;
  static weights::StateDict* outputs_;
};

weights::StateDict* Stylegan2ReferenceTest::g_dict_ = nullptr;
weights::StateDict* Stylegan2ReferenceTest::d_dict_ = nullptr;
weights::StateDict* Stylegan2ReferenceTest::inputs_ = nullptr;
weights::StateDict* Stylegan2ReferenceTest::outputs_ = nullptr;

TEST_P(Stylegan2ReferenceTest, MappingMatchesAtBothTruncations) {
  auto g = G();
  EXPECT_TRUE(Parity("ws", Must(g->MapZ(Z())), Expected("ws")));
  EXPECT_TRUE(Parity("ws_psi0.7", Must(g->MapZ(Z(), 0.7)), Expected("ws_psi0.7")));
}

TEST_P(Stylegan2ReferenceTest, ImagesMatchForEachTruncationAndNoiseMode) {
  auto g = G();
  EXPECT_TRUE(Parity("img", Must(g->SynthesizeFromZ(Z(), 1.0)), Expected("img")));
  EXPECT_TRUE(Parity("img_psi0.7", Must(g->SynthesizeFromZ(Z(), 0.7)), Expected("img_psi0.7")));
  Stylegan2Noise none;
  none.mode = NoiseMode::kNone;
  EXPECT_TRUE(Parity("img_noise_none", Must(g->SynthesizeFromZ(Z(), 1.0, none)),
                     Expected("img_noise_none")));
  // The noise matters: without it the image is measurably different.
  EXPECT_GT((Expected("img") - Expected("img_noise_none")).abs().max().item<double>(), 1e-3);
}

TEST_P(Stylegan2ReferenceTest, DiscriminatorLogitsMatchOnReferenceAndOwnImages) {
  auto g = G();
  auto d = D();
  EXPECT_TRUE(Parity("d_logits", Must(d->Logits(Expected("img"))), Expected("d_logits")));
  EXPECT_TRUE(Parity("d_logits_psi0.7", Must(d->Logits(Expected("img_psi0.7"))),
                     Expected("d_logits_psi0.7")));
  // The whole chain G -> D.
  const at::Tensor img = Must(g->SynthesizeFromZ(Z(), 0.7));
  EXPECT_TRUE(Parity("D(G(z)) psi0.7", Must(d->Logits(img)), Expected("d_logits_psi0.7")));
}

TEST_P(Stylegan2ReferenceTest, GroupedLogitsEvaluateEachGroupAlone) {
  auto d = D();
  // Two groups of 4 in one batch: each must score as the reference scored it alone.
  const at::Tensor both = at::cat({Expected("img"), Expected("img_psi0.7")});  // [8, 3, 32, 32]
  const at::Tensor grouped = Must(d->GroupedLogits(both, 4));
  EXPECT_TRUE(AllClose(grouped.narrow(0, 0, 4), Expected("d_logits"), kTol, kTol));
  EXPECT_TRUE(AllClose(grouped.narrow(0, 4, 4), Expected("d_logits_psi0.7"), kTol, kTol));
  // One D call over all 8 groups them differently (strided), so the logits change.
  const at::Tensor whole = Must(d->Logits(both));
  EXPECT_GT((whole - grouped).abs().max().item<double>(), 1e-4);
  // Groups of 2 (one call per group) agree with calling D on each pair.
  const at::Tensor pairs = Must(d->GroupedLogits(Expected("img"), 2));
  for (int64_t i = 0; i < 4; i += 2) {
    EXPECT_TRUE(
        AllClose(pairs.narrow(0, i, 2), Must(d->Logits(Expected("img").narrow(0, i, 2))), 1e-6, 0));
  }
}

TEST_P(Stylegan2ReferenceTest, HingeObjectiveIsReluOfOneMinusLogits) {
  auto d = D();
  const at::Tensor logits = Expected("d_logits");
  const at::Tensor hinge = Must(d->HingeObjective(Expected("img"), 4, /*clamp=*/false));
  EXPECT_TRUE(AllClose(hinge, at::relu(1 - logits).reshape({-1}), kTol, kTol));
  // Clamping changes D's input only where the image leaves [-1, 1].
  const at::Tensor img = Expected("img");
  const at::Tensor clamped = Must(d->HingeObjective(img, 4, /*clamp=*/true));
  const at::Tensor direct = DiscriminatorHinge(Must(d->Logits(img.clamp(-1, 1))));
  EXPECT_TRUE(AllClose(clamped, direct, 1e-6, 0));
}

INSTANTIATE_TEST_SUITE_P(ModConv, Stylegan2ReferenceTest,
                         ::testing::Values(ModConvImpl::kShared, ModConvImpl::kGrouped),
                         [](const ::testing::TestParamInfo<ModConvImpl>& info) {
                           return info.param == ModConvImpl::kShared ? "Shared" : "Grouped";
                         });

TEST(Stylegan2ConfigTest, GeneratorDimensionsComeFromTheWeights) {
  const nlohmann::json ref = ReferenceConfig();
  const auto& hp = ref["hyperparameters"]["G"];
  const Stylegan2GeneratorConfig c = Must(
      DetectStylegan2GeneratorConfig(LoadReferenceDictOrFail("stylegan2/G_weights.safetensors")));
  EXPECT_EQ(c.z_dim, hp["z_dim"].get<int64_t>());
  EXPECT_EQ(c.w_dim, hp["w_dim"].get<int64_t>());
  EXPECT_EQ(c.img_resolution, hp["img_resolution"].get<int64_t>());
  EXPECT_EQ(c.img_channels, hp["img_channels"].get<int64_t>());
  EXPECT_EQ(c.num_mapping_layers(), hp["mapping_kwargs"]["num_layers"].get<int64_t>());
  EXPECT_EQ(c.num_ws, ref["derived"]["num_ws"].get<int64_t>());
  std::vector<int64_t> resolutions = ref["derived"]["block_resolutions"];
  EXPECT_EQ(c.block_resolutions, resolutions);
  for (const auto& [res, ch] : ref["derived"]["G_channels"].items()) {
    EXPECT_EQ(c.channels.at(std::stoll(res)), ch.get<int64_t>()) << "b" << res;
  }
  EXPECT_TRUE(c.has_w_avg);
  EXPECT_TRUE(c.use_noise);
  EXPECT_FALSE(c.conv_clamp.has_value());
}

TEST(Stylegan2ConfigTest, DiscriminatorDimensionsComeFromTheWeights) {
  const Stylegan2DiscriminatorConfig c = Must(DetectStylegan2DiscriminatorConfig(
      LoadReferenceDictOrFail("stylegan2/D_weights.safetensors")));
  // channel_base 512, channel_max 32 (config.json): min(512 / res, 32).
  const Stylegan2DiscriminatorConfig expected = MakeStylegan2DiscriminatorConfig(32, 512, 32);
  EXPECT_EQ(c.img_resolution, 32);
  EXPECT_EQ(c.img_channels, 3);
  EXPECT_EQ(c.block_resolutions, expected.block_resolutions);
  EXPECT_EQ(c.channels, expected.channels);
  EXPECT_EQ(c.mbstd_num_channels, 1);
  EXPECT_EQ(c.mbstd_group_size, 4);
}

TEST(Stylegan2ConfigTest, RealNetworkShapesFollowNvidiasChannelFormula) {
  // ffhq config-f: 1024 px, channel_base 32768, channel_max 512: 18 ws, 32 channels at 1024.
  const Stylegan2GeneratorConfig ffhq = MakeStylegan2GeneratorConfig(1024, 32768, 512, 512, 512, 8);
  EXPECT_EQ(ffhq.num_ws, 18);
  EXPECT_EQ(ffhq.channels.at(4), 512);
  EXPECT_EQ(ffhq.channels.at(64), 512);
  EXPECT_EQ(ffhq.channels.at(128), 256);
  EXPECT_EQ(ffhq.channels.at(1024), 32);
  // The module built from it names its tensors as NVIDIA's checkpoint does.
  stylegan2::Generator module(MakeStylegan2GeneratorConfig(64, 512, 32, 16, 16, 2));
  std::set<std::string> names;
  for (const auto& item : module->named_parameters()) names.insert(item.key());
  for (const auto& item : module->named_buffers()) names.insert(item.key());
  for (const char* key :
       {"mapping.fc0.weight", "mapping.fc1.bias", "mapping.w_avg", "synthesis.b4.const",
        "synthesis.b4.resample_filter", "synthesis.b4.conv1.noise_const",
        "synthesis.b8.conv0.affine.weight", "synthesis.b8.conv0.noise_strength",
        "synthesis.b64.torgb.affine.bias", "synthesis.b64.conv1.resample_filter"}) {
    EXPECT_EQ(names.count(key), 1u) << key;
  }
  EXPECT_EQ(names.count("synthesis.b4.conv0.weight"), 0u);
}

TEST(Stylegan2ConfigTest, RejectsOtherNetworksAndMissingKeys) {
  const weights::StateDict g = LoadReferenceDictOrFail("stylegan2/G_weights.safetensors");
  const weights::StateDict d = LoadReferenceDictOrFail("stylegan2/D_weights.safetensors");
  EXPECT_TRUE(IsStylegan2Generator(g));
  EXPECT_FALSE(IsStylegan2Generator(d));
  EXPECT_TRUE(IsStylegan2Discriminator(d));
  EXPECT_FALSE(IsStylegan2Discriminator(g));

  auto as_g = Stylegan2Generator::FromStateDict(d);
  ASSERT_FALSE(as_g.ok());
  EXPECT_EQ(as_g.status().code(), StatusCode::kInvalidArgument);

  weights::StateDict no_torgb = g;
  no_torgb.tensors.erase("synthesis.b16.torgb.weight");
  auto orig = DetectStylegan2GeneratorConfig(no_torgb);
  ASSERT_FALSE(orig.ok());
  EXPECT_EQ(orig.status().code(), StatusCode::kUnimplemented);

  weights::StateDict no_affine = g;
  no_affine.tensors.erase("synthesis.b8.conv1.affine.weight");
  auto missing = DetectStylegan2GeneratorConfig(no_affine);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("synthesis.b8.conv1.affine.weight"), std::string::npos)
      << missing.status().ToString();

  weights::StateDict wrong_shape = g;
  wrong_shape.tensors["synthesis.b16.conv0.weight"] = at::zeros({32, 8, 3, 3});
  auto mismatch = DetectStylegan2GeneratorConfig(wrong_shape);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("synthesis.b16.conv0.weight"), std::string::npos);

  // A stray key that the module does not have is an error of the loader.
  weights::StateDict extra = g;
  extra.tensors["synthesis.b4.conv1.unknown"] = at::zeros({1});
  EXPECT_FALSE(Stylegan2Generator::FromStateDict(extra).ok());

  weights::StateDict no_skip = d;
  no_skip.tensors.erase("b16.skip.weight");
  no_skip.tensors.erase("b16.skip.resample_filter");
  auto d_orig = DetectStylegan2DiscriminatorConfig(no_skip);
  ASSERT_FALSE(d_orig.ok());
  EXPECT_EQ(d_orig.status().code(), StatusCode::kUnimplemented);
}

TEST(Stylegan2ConfigTest, AcceptsAWholePickleConversionPrefix) {
  const weights::StateDict g = LoadReferenceDictOrFail("stylegan2/G_weights.safetensors");
  weights::StateDict prefixed;
  prefixed.source = "prefixed";
  for (const auto& [key, t] : g.tensors) prefixed.tensors["G_ema." + key] = t;
  auto model = Stylegan2Generator::FromStateDict(prefixed);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->config().num_ws, 8);
}

class Stylegan2GeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_ = Must(Stylegan2Generator::FromStateDict(
        LoadReferenceDictOrFail("stylegan2/G_weights.safetensors")));
    z_ = TensorOrFail(LoadReferenceDictOrFail("stylegan2/inputs.safetensors"), "z");
  }
  std::unique_ptr<Stylegan2Generator> g_;
  at::Tensor z_;
};

TEST_F(Stylegan2GeneratorTest, RejectsBadInputs) {
  auto bad_z = g_->MapZ(at::zeros({4, 7}));
  ASSERT_FALSE(bad_z.ok());
  EXPECT_EQ(bad_z.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_z.status().message().find("[4, 7]"), std::string::npos);
  EXPECT_FALSE(g_->Synthesize(at::zeros({2, 7, 32})).ok());
  EXPECT_FALSE(g_->Synthesize(at::zeros({2, 8, 32}, at::kLong)).ok());
  Stylegan2Noise noise;
  noise.mode = NoiseMode::kRandom;
  noise.sample_seeds = {1, 2, 3};
  EXPECT_FALSE(g_->Synthesize(at::zeros({2, 8, 32}), noise).ok());
}

TEST_F(Stylegan2GeneratorTest, WAndWPlusPathsGiveTheZPathsImages) {
  // W: the mapping's w, broadcast and truncated, synthesises the same image as G(z, psi).
  at::Tensor w;
  {
    c10::InferenceMode guard;
    w = g_->module().mapping->forward(z_);  // [4, 32]
  }
  const at::Tensor ws = Must(g_->Truncate(Must(g_->BroadcastW(w)), 0.7));
  EXPECT_TRUE(AllClose(ws, Must(g_->MapZ(z_, 0.7)), 1e-6, 0));
  EXPECT_TRUE(AllClose(Must(g_->Synthesize(ws)), Must(g_->SynthesizeFromZ(z_, 0.7)), 1e-6, 0));
  // W+: every layer its own w; layer 7 (the last ToRGB) changes the image, not the mapping.
  at::Tensor plus = ws.clone();
  plus.select(1, 7).add_(1.0);
  EXPECT_GT((Must(g_->Synthesize(plus)) - Must(g_->Synthesize(ws))).abs().max().item<double>(),
            1e-3);
}

TEST_F(Stylegan2GeneratorTest, TruncationMovesTowardWAvgUpToTheCutoff) {
  const at::Tensor ws = Must(g_->MapZ(z_));
  const at::Tensor w_avg = g_->w_avg();
  const at::Tensor centre = Must(g_->MapZ(z_, 0.0));
  EXPECT_TRUE(AllClose(centre, w_avg.expand_as(centre), 1e-6, 0));
  const at::Tensor cut = Must(g_->MapZ(z_, 0.5, /*cutoff=*/3));
  EXPECT_TRUE(AllClose(cut.narrow(1, 0, 3), ((ws + w_avg) / 2).narrow(1, 0, 3), 1e-5, 1e-5));
  EXPECT_TRUE(AllClose(cut.narrow(1, 3, 5), ws.narrow(1, 3, 5), 0, 0));
}

TEST_F(Stylegan2GeneratorTest, RandomNoiseIsSeededPerSample) {
  const at::Tensor ws = Must(g_->MapZ(z_));
  Stylegan2Noise noise;
  noise.mode = NoiseMode::kRandom;
  noise.sample_seeds = {11, 12, 13, 14};
  const at::Tensor a = Must(g_->Synthesize(ws, noise));
  EXPECT_TRUE(at::equal(a, Must(g_->Synthesize(ws, noise))));  // reproducible
  const at::Tensor constant = Must(g_->Synthesize(ws));
  EXPECT_GT((a - constant).abs().max().item<double>(), 1e-3);
  // Sample 2 alone, with its own seed, gets the noise it had in the batch.
  Stylegan2Noise alone = noise;
  alone.sample_seeds = {13};
  EXPECT_TRUE(
      AllClose(Must(g_->Synthesize(ws.narrow(0, 2, 1), alone)), a.narrow(0, 2, 1), 1e-5, 1e-5));
  // Another seed, other noise.
  alone.sample_seeds = {99};
  EXPECT_GT((Must(g_->Synthesize(ws.narrow(0, 2, 1), alone)) - a.narrow(0, 2, 1))
                .abs()
                .max()
                .item<double>(),
            1e-3);
  // seed + b when no per-sample seeds are given.
  Stylegan2Noise base;
  base.mode = NoiseMode::kRandom;
  base.seed = 11;
  EXPECT_TRUE(AllClose(Must(g_->Synthesize(ws, base)), a, 1e-6, 0));
}

TEST_F(Stylegan2GeneratorTest, ChunkedBatchesGiveTheSameImages) {
  Stylegan2RuntimeOptions runtime;
  runtime.max_batch = 3;
  auto chunked = Must(Stylegan2Generator::FromStateDict(
      LoadReferenceDictOrFail("stylegan2/G_weights.safetensors"), runtime));
  EXPECT_TRUE(AllClose(Must(chunked->SynthesizeFromZ(z_, 0.7)), Must(g_->SynthesizeFromZ(z_, 0.7)),
                       1e-5, 1e-5));
}

TEST_F(Stylegan2GeneratorTest, AFixedBatchShapeGivesTheSameBitsWhateverTheCompanions) {
  // The evaluator pads batches to a fixed shape (DESIGN.md, Determinism): an individual's image
  // must then not depend on the other individuals of its batch.
  const at::Tensor ws = Must(g_->MapZ(z_));                      // [4, 8, 32]
  const at::Tensor others = Must(g_->MapZ(z_.flip({0}) * 0.5));  // other companions
  at::Tensor mixed = others.clone();
  mixed.narrow(0, 1, 1).copy_(ws.narrow(0, 1, 1));
  const at::Tensor a = Must(g_->Synthesize(ws));
  const at::Tensor b = Must(g_->Synthesize(mixed));
  EXPECT_TRUE(at::equal(a.narrow(0, 1, 1), b.narrow(0, 1, 1)));
  EXPECT_FALSE(at::equal(a.narrow(0, 0, 1), b.narrow(0, 0, 1)));
  // The discriminator on fixed groups: group 2's logits do not depend on group 1's images.
  auto d = Must(Stylegan2Discriminator::FromStateDict(
      LoadReferenceDictOrFail("stylegan2/D_weights.safetensors")));
  const at::Tensor batch = at::cat({a, a.flip({0})});  // [8, 3, 32, 32]
  const at::Tensor other = at::cat({b, a.flip({0})});
  EXPECT_TRUE(at::equal(Must(d->GroupedLogits(batch, 4)).narrow(0, 4, 4),
                        Must(d->GroupedLogits(other, 4)).narrow(0, 4, 4)));
}

TEST_F(Stylegan2GeneratorTest, MemoryFormatDoesNotChangeTheResult) {
  Stylegan2RuntimeOptions nchw;
  nchw.channels_last = false;
  auto g = Must(Stylegan2Generator::FromStateDict(
      LoadReferenceDictOrFail("stylegan2/G_weights.safetensors"), nchw));
  const at::Tensor img = Must(g->SynthesizeFromZ(z_, 0.7));
  EXPECT_TRUE(img.is_contiguous());
  EXPECT_TRUE(AllClose(img, Must(g_->SynthesizeFromZ(z_, 0.7)), 1e-5, 1e-5));
  const weights::StateDict d_dict = LoadReferenceDictOrFail("stylegan2/D_weights.safetensors");
  auto d_nchw = Must(Stylegan2Discriminator::FromStateDict(d_dict, nchw));
  auto d_cl = Must(Stylegan2Discriminator::FromStateDict(d_dict));
  EXPECT_TRUE(AllClose(Must(d_nchw->Logits(img)), Must(d_cl->Logits(img)), 1e-5, 1e-5));
}

TEST_F(Stylegan2GeneratorTest, ReducedPrecisionRunsWithoutModelChanges) {
  // bfloat16 convolutions (what a GPU worker may choose) stay close to float32.
  Stylegan2RuntimeOptions runtime;
  runtime.dtype = at::kBFloat16;
  auto bf16 = Must(Stylegan2Generator::FromStateDict(
      LoadReferenceDictOrFail("stylegan2/G_weights.safetensors"), runtime));
  const at::Tensor reference = Must(g_->SynthesizeFromZ(z_, 0.7));
  const at::Tensor img = Must(bf16->SynthesizeFromZ(z_, 0.7));
  EXPECT_EQ(img.scalar_type(), at::kFloat);
  const double scale = reference.abs().max().item<double>();
  EXPECT_LT((img - reference).abs().max().item<double>(), 0.05 * scale);
}

TEST_F(Stylegan2GeneratorTest, CropToContentCutsTheCentredBand) {
  Stylegan2GeneratorSettings settings;
  settings.content_height = 24;  // as the car model: 512x384 in a 512x512 canvas
  auto g = Must(Stylegan2Generator::FromStateDict(
      LoadReferenceDictOrFail("stylegan2/G_weights.safetensors"), {}, settings));
  const at::Tensor img = Must(g->SynthesizeFromZ(z_));
  const at::Tensor content = g->CropToContent(img);
  ASSERT_EQ(content.sizes(), at::IntArrayRef({4, 3, 24, 32}));
  EXPECT_TRUE(at::equal(content, img.narrow(2, 4, 24)));
  EXPECT_TRUE(at::equal(g_->CropToContent(img), img));
  settings.content_height = 64;
  EXPECT_FALSE(Stylegan2Generator::FromStateDict(
                   LoadReferenceDictOrFail("stylegan2/G_weights.safetensors"), {}, settings)
                   .ok());
}

// --- The ops on their own -------------------------------------------------------------------

TEST(Stylegan2OpsTest, ResamplingKeepsConstantsAndHalvesOrDoublesTheSize) {
  const at::Tensor f = stylegan2::DefaultResampleFilter();
  EXPECT_NEAR(f.sum().item<double>(), 1.0, 1e-7);
  const at::Tensor ones = at::ones({2, 3, 8, 8});
  const at::Tensor up = stylegan2::Upsample2d(ones, f);
  ASSERT_EQ(up.sizes(), at::IntArrayRef({2, 3, 16, 16}));
  // Away from the zero-padded border the gain-4 filter reproduces the constant.
  EXPECT_TRUE(AllClose(up.narrow(2, 2, 12).narrow(3, 2, 12), at::ones({2, 3, 12, 12}), 1e-6, 0));
  const at::Tensor down = stylegan2::Downsample2d(ones, f);
  ASSERT_EQ(down.sizes(), at::IntArrayRef({2, 3, 4, 4}));
  EXPECT_TRUE(AllClose(down.narrow(2, 1, 2).narrow(3, 1, 2), at::ones({2, 3, 2, 2}), 1e-6, 0));
}

TEST(Stylegan2OpsTest, Upfirdn2dFollowsItsDefinition) {
  // An impulse through up=2, a 2x2 filter and no padding: the filter appears, flipped back by the
  // convolution, at twice the impulse's coordinates.
  at::Tensor x = at::zeros({1, 1, 3, 3});
  x[0][0][1][2] = 1.0;
  const at::Tensor f = at::tensor({1.0f, 2.0f, 3.0f, 4.0f}).reshape({2, 2});
  const at::Tensor y = stylegan2::Upfirdn2d(x, f, 2, 1, {1, 0, 1, 0});
  // Up-sampled: 6x6 with the impulse at (2, 4); padded by one before: (3, 5) in 7x7; a 2x2 true
  // convolution puts f[i][j] at (3 - 1 + i, 5 - 1 + j).
  ASSERT_EQ(y.sizes(), at::IntArrayRef({1, 1, 6, 6}));
  EXPECT_FLOAT_EQ(y[0][0][2][4].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(y[0][0][2][5].item<float>(), 2.0f);
  EXPECT_FLOAT_EQ(y[0][0][3][4].item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(y[0][0][3][5].item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(y.sum().item<float>(), 10.0f);
  // down=2 keeps every other pixel, starting with the first.
  const at::Tensor z = stylegan2::Upfirdn2d(y, at::ones({1, 1}), 1, 2, {0, 0, 0, 0});
  EXPECT_TRUE(at::equal(z, y.slice(2, 0, 6, 2).slice(3, 0, 6, 2)));
}

TEST(Stylegan2OpsTest, ModulatedConvImplementationsAgree) {
  at::manual_seed(3);
  const at::Tensor x = at::randn({3, 5, 6, 6});
  const at::Tensor w = at::randn({4, 5, 3, 3});
  const at::Tensor s = at::randn({3, 5});
  const at::Tensor noise = at::randn({3, 1, 12, 12});
  const at::Tensor f = stylegan2::DefaultResampleFilter();
  for (const int64_t up : {1, 2}) {
    for (const bool demod : {true, false}) {
      const at::Tensor n = up == 2 ? noise : noise.narrow(2, 0, 6).narrow(3, 0, 6);
      const at::Tensor a =
          stylegan2::ModulatedConv2d(x, w, s, n, up, 1, f, demod, up == 1, ModConvImpl::kShared);
      const at::Tensor b =
          stylegan2::ModulatedConv2d(x, w, s, n, up, 1, f, demod, up == 1, ModConvImpl::kGrouped);
      EXPECT_TRUE(AllClose(a, b, 1e-5, 1e-5)) << "up " << up << " demod " << demod;
      // The fused epilogue of the shared path against NVIDIA's op-by-op sequence.
      const at::Tensor bias = at::randn({4});
      for (const bool lrelu : {true, false}) {
        for (const std::optional<double> clamp :
             {std::optional<double>(), std::optional<double>(0.5)}) {
          const at::Tensor fused = stylegan2::ModulatedConv2dBiasAct(
              x, w, s, n, up, 1, f, demod, up == 1, ModConvImpl::kShared, bias, lrelu, 1.7, clamp);
          const at::Tensor reference = stylegan2::BiasAct(b, bias, lrelu, 1.7, clamp);
          EXPECT_TRUE(AllClose(fused, reference, 1e-5, 1e-5))
              << "up " << up << " demod " << demod << " lrelu " << lrelu;
        }
      }
    }
  }
}

TEST(Stylegan2OpsTest, ToRgbMatrixProductMatchesTheModulatedConvolution) {
  // The shared path runs a 1x1 modulated conv without demodulation as a batched matrix product.
  at::manual_seed(5);
  const at::Tensor x = at::randn({3, 5, 6, 7});
  const at::Tensor w = at::randn({3, 5, 1, 1});
  const at::Tensor s = at::randn({3, 5});
  const at::Tensor bias = at::randn({3});
  const at::Tensor expected = stylegan2::BiasAct(
      stylegan2::ModulatedConv2d(x, w, s, {}, 1, 0, {}, false, true, ModConvImpl::kGrouped), bias,
      false, 1.0, 0.8);
  for (const auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
    const at::Tensor actual =
        stylegan2::ModulatedConv2dBiasAct(x.contiguous(format), w, s, {}, 1, 0, {}, false, true,
                                          ModConvImpl::kShared, bias, false, 1.0, 0.8);
    EXPECT_TRUE(AllClose(actual, expected, 1e-5, 1e-5));
  }
}

TEST(Stylegan2OpsTest, UpsamplingConvMatchesTheTransposedConvolution) {
  // NVIDIA's up path: conv_transpose2d(stride 2) on the weight with in/out swapped per group (and
  // flipped when flip_weight), then the filter with paddings [1, 1, 1, 1] and gain 4.
  at::manual_seed(4);
  const at::Tensor f = stylegan2::DefaultResampleFilter();
  for (const int64_t groups : {1, 2}) {
    for (const bool flip : {false, true}) {
      const at::Tensor x = at::randn({1, 6 * groups, 5, 7});
      const at::Tensor w = at::randn({4 * groups, 6, 3, 3});  // [O, I/groups, 3, 3]
      const at::Tensor wt =
          w.reshape({groups, 4, 6, 3, 3}).transpose(1, 2).reshape({groups * 6, 4, 3, 3});
      const at::Tensor t =
          at::conv_transpose2d(x, flip ? wt.flip({2, 3}) : wt, {}, at::IntArrayRef{2, 2},
                               at::IntArrayRef{0, 0}, at::IntArrayRef{0, 0}, groups);
      const at::Tensor expected = stylegan2::Upfirdn2d(t, f, 1, 1, {1, 1, 1, 1}, 4.0);
      const at::Tensor actual = stylegan2::Conv2dResample(x, w, f, 2, 1, 1, groups, flip);
      ASSERT_EQ(actual.sizes(), at::IntArrayRef({1, 4 * groups, 10, 14}));
      EXPECT_TRUE(AllClose(actual, expected, 1e-5, 1e-5))
          << "groups " << groups << " flip " << flip;
    }
  }
}

TEST(Stylegan2OpsTest, MinibatchStdGroupsStridedSamples) {
  // With 8 samples and groups of 4, sample i is grouped with i mod 2: even samples never see odd.
  at::Tensor x = at::zeros({8, 2, 1, 1});
  x.slice(0, 1, 8, 2).fill_(1.0);  // odd samples all 1, even all 0: zero spread in both groups
  const at::Tensor y = stylegan2::MinibatchStd(x, 4, 1);
  ASSERT_EQ(y.sizes(), at::IntArrayRef({8, 3, 1, 1}));
  EXPECT_NEAR(y.select(1, 2).abs().max().item<double>(), 1e-4, 1e-6);  // sqrt(0 + 1e-8)
  x[1][0][0][0] = 3.0;  // spread in the odd group only
  const at::Tensor z = stylegan2::MinibatchStd(x, 4, 1);
  EXPECT_GT(z[3][2][0][0].item<double>(), 0.1);
  EXPECT_NEAR(z[2][2][0][0].item<double>(), 1e-4, 1e-6);
}

}  // namespace
}  // namespace clipglass::models
