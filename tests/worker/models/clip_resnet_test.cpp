// CLIP's modified-ResNet image encoder (RN50, RN101, RN50x4, ...): config detection from
// hand-built state dicts of every released size, loading and running a one-block-per-stage model
// of those sizes, the layer math against LibTorch's own layers (BatchNorm2d, Conv2d, AvgPool2d,
// multi_head_attention_forward, which OpenAI's code calls), and clear errors for broken files.
// No golden fixture of a ResNet CLIP exists in the reference set; the ViT parity lives in
// clip_test.cpp.
#include "worker/models/clip_resnet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <cctype>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "worker/models/clip.h"

namespace clipglass::models {
namespace {

using MakeTensor = std::function<at::Tensor(std::vector<int64_t>)>;

at::Tensor Shaped(std::vector<int64_t> shape) { return at::zeros({}, at::kFloat).expand(shape); }

// The keys of an OpenAI ResNet CLIP state dict, written out from clip/model.py's module tree
// (independently of ClipStateDictShapes), with the batch norms' num_batches_tracked counters and
// the archives' int64 scalars that the loader ignores.
weights::StateDict ResNetDict(int64_t width, std::array<int64_t, 4> blocks, int64_t resolution,
                              int64_t embed_dim, int64_t text_width, int64_t text_layers,
                              int64_t vocab, const MakeTensor& make) {
  weights::StateDict d;
  d.source = "synthetic-resnet";
  auto& t = d.tensors;
  auto bn = [&](const std::string& p, int64_t c) {
    t[p + "weight"] = make({c});
    t[p + "bias"] = make({c});
    t[p + "running_mean"] = make({c});
    t[p + "running_var"] = make({c}).abs() + 0.5;
    t[p + "num_batches_tracked"] = at::scalar_tensor(7, at::kLong);
  };
  t["visual.conv1.weight"] = make({width / 2, 3, 3, 3});
  bn("visual.bn1.", width / 2);
  t["visual.conv2.weight"] = make({width / 2, width / 2, 3, 3});
  bn("visual.bn2.", width / 2);
  t["visual.conv3.weight"] = make({width, width / 2, 3, 3});
  bn("visual.bn3.", width);
  int64_t in = width;
  for (int s = 0; s < 4; ++s) {
    const int64_t planes = width * (int64_t{1} << s);
    for (int64_t b = 0; b < blocks[s]; ++b) {
      const std::string p = "visual.layer" + std::to_string(s + 1) + "." + std::to_string(b) + ".";
      t[p + "conv1.weight"] = make({planes, in, 1, 1});
      bn(p + "bn1.", planes);
      t[p + "conv2.weight"] = make({planes, planes, 3, 3});
      bn(p + "bn2.", planes);
      t[p + "conv3.weight"] = make({planes * 4, planes, 1, 1});
      bn(p + "bn3.", planes * 4);
      if (b == 0) {
        t[p + "downsample.0.weight"] = make({planes * 4, in, 1, 1});
        bn(p + "downsample.1.", planes * 4);
      }
      in = planes * 4;
    }
  }
  const int64_t side = resolution / 32;
  t["visual.attnpool.positional_embedding"] = make({side * side + 1, in});
  for (const char* proj : {"q_proj", "k_proj", "v_proj"}) {
    t[std::string("visual.attnpool.") + proj + ".weight"] = make({in, in});
    t[std::string("visual.attnpool.") + proj + ".bias"] = make({in});
  }
  t["visual.attnpool.c_proj.weight"] = make({embed_dim, in});
  t["visual.attnpool.c_proj.bias"] = make({embed_dim});
  t["token_embedding.weight"] = make({vocab, text_width});
  t["positional_embedding"] = make({77, text_width});
  for (int64_t i = 0; i < text_layers; ++i) {
    const std::string p = "transformer.resblocks." + std::to_string(i) + ".";
    const int64_t w = text_width;
    t[p + "attn.in_proj_weight"] = make({3 * w, w});
    t[p + "attn.in_proj_bias"] = make({3 * w});
    t[p + "attn.out_proj.weight"] = make({w, w});
    t[p + "attn.out_proj.bias"] = make({w});
    t[p + "mlp.c_fc.weight"] = make({4 * w, w});
    t[p + "mlp.c_fc.bias"] = make({4 * w});
    t[p + "mlp.c_proj.weight"] = make({w, 4 * w});
    t[p + "mlp.c_proj.bias"] = make({w});
    for (const char* ln : {"ln_1.", "ln_2."}) {
      t[p + ln + "weight"] = make({w});
      t[p + ln + "bias"] = make({w});
    }
  }
  t["ln_final.weight"] = make({text_width});
  t["ln_final.bias"] = make({text_width});
  t["text_projection"] = make({text_width, embed_dim});
  t["logit_scale"] = make({});
  t["input_resolution"] = at::scalar_tensor(resolution, at::kLong);
  t["context_length"] = at::scalar_tensor(77, at::kLong);
  t["vocab_size"] = at::scalar_tensor(vocab, at::kLong);
  return d;
}

weights::StateDict ResNetDict(const ClipConfig& c, const MakeTensor& make) {
  return ResNetDict(c.vision_width, c.vision_resnet_layers, c.image_resolution, c.embed_dim,
                    c.transformer_width, c.transformer_layers, c.vocab_size, make);
}

ClipConfig Released(const std::string& name) {
  const std::optional<ClipConfig> config = ReleasedClipConfig(name);
  EXPECT_TRUE(config.has_value()) << name;
  return config.value_or(ClipConfig{});
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

class ClipResNetReleasedTest : public ::testing::TestWithParam<std::string> {};

// build_model's values for each release: RN50 is width 64, blocks 3-4-6-3, 224 px, 32 heads.
TEST_P(ClipResNetReleasedTest, DetectsEveryDimensionFromShapes) {
  const ClipConfig expected = Released(GetParam());
  ASSERT_TRUE(expected.is_resnet());
  auto detected = DetectClipConfig(ResNetDict(expected, Shaped));
  ASSERT_TRUE(detected.ok()) << detected.status().ToString();
  EXPECT_EQ(*detected, expected) << detected->ToString() << "\nvs\n" << expected.ToString();
  EXPECT_EQ(detected->vision_heads, detected->vision_width / 2);
}

// ClipStateDictShapes lists exactly the keys of such a file (less the ignored counters/scalars).
TEST_P(ClipResNetReleasedTest, StateDictShapesMatchTheModuleTree) {
  const ClipConfig config = Released(GetParam());
  const weights::StateDict dict = ResNetDict(config, Shaped);
  std::map<std::string, std::vector<int64_t>> expected;
  for (const auto& [key, tensor] : dict.tensors) {
    if (key.find("num_batches_tracked") != std::string::npos || tensor.scalar_type() == at::kLong) {
      continue;
    }
    expected[key] = tensor.sizes().vec();
  }
  EXPECT_EQ(ClipStateDictShapes(config), expected);
}

INSTANTIATE_TEST_SUITE_P(Released, ClipResNetReleasedTest,
                         ::testing::Values("RN50", "RN101", "RN50x4", "RN50x16", "RN50x64"),
                         TestName);

class ClipResNetRunTest : public ::testing::TestWithParam<std::string> {};

// One block per stage at the release's width and resolution (RN50x4: width 80, 288 px, 40 heads
// of 64), a one-layer text tower: every name and shape loads into the modules, and both encoders
// run to finite features.
TEST_P(ClipResNetRunTest, LoadsAndRunsOneBlockPerStageAtThatSize) {
  ClipConfig config = Released(GetParam());
  config.vision_resnet_layers = {1, 1, 1, 1};
  config.transformer_layers = 1;
  config.vocab_size = 1000;
  at::manual_seed(3);
  const weights::StateDict dict = ResNetDict(
      config, [](std::vector<int64_t> shape) { return at::randn(shape, at::kFloat) * 0.05; });
  auto model = ClipModel::FromStateDict(dict);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->config(), config);
  const int64_t r = config.image_resolution;
  auto image_features = (*model)->EncodeImage(at::rand({2, 3, r, r}));
  ASSERT_TRUE(image_features.ok()) << image_features.status().ToString();
  EXPECT_EQ(image_features->sizes(), (std::vector<int64_t>{2, config.embed_dim}));
  EXPECT_TRUE(at::isfinite(*image_features).all().item<bool>());
  at::Tensor tokens = at::zeros({1, 77}, at::kLong);
  tokens.index_put_({0, 3}, 999);
  auto text_features = (*model)->EncodeText(tokens);
  ASSERT_TRUE(text_features.ok()) << text_features.status().ToString();
  EXPECT_EQ(text_features->sizes(), (std::vector<int64_t>{1, config.embed_dim}));
}

INSTANTIATE_TEST_SUITE_P(Released, ClipResNetRunTest, ::testing::Values("RN50", "RN50x4"),
                         TestName);

// ---------------------------------------------------------------------------------------------
// Layer math against LibTorch's layers.

void Randomise(torch::nn::Module& module, uint64_t seed) {
  at::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters()) p.value().copy_(at::randn(p.value().sizes()) * 0.2);
  for (auto& b : module.named_buffers()) {
    b.value().copy_(b.key().find("running_var") != std::string::npos
                        ? at::rand(b.value().sizes()) + 0.5
                        : at::randn(b.value().sizes()) * 0.2);
  }
}

torch::nn::BatchNorm2d ReferenceBatchNorm(const ClipBatchNormImpl& ours) {
  torch::nn::BatchNorm2d bn(ours.weight.size(0));  // eps 1e-5, momentum 0.1, as nn.BatchNorm2d
  torch::NoGradGuard no_grad;
  bn->weight.copy_(ours.weight);
  bn->bias.copy_(ours.bias);
  bn->running_mean.copy_(ours.running_mean);
  bn->running_var.copy_(ours.running_var);
  return bn;
}

torch::nn::Conv2d ReferenceConv(const ClipConvImpl& ours) {
  const at::Tensor& w = ours.weight;
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(w.size(1), w.size(0), w.size(2))
                             .stride(ours.stride)
                             .padding(ours.padding)
                             .bias(false));
  torch::NoGradGuard no_grad;
  conv->weight.copy_(w);
  return conv;
}

// OpenAI's Bottleneck.forward written with LibTorch's own layers, for one of our blocks' weights.
struct ReferenceBottleneck {
  explicit ReferenceBottleneck(const ClipBottleneckImpl& ours)
      : stride(ours.stride),
        conv1(ReferenceConv(*ours.conv1)),
        conv2(ReferenceConv(*ours.conv2)),
        conv3(ReferenceConv(*ours.conv3)),
        bn1(ReferenceBatchNorm(*ours.bn1)),
        bn2(ReferenceBatchNorm(*ours.bn2)),
        bn3(ReferenceBatchNorm(*ours.bn3)) {
    if (ours.downsample) {
      down_conv = ReferenceConv(*ours.downsample->conv);
      down_bn = ReferenceBatchNorm(*ours.downsample->norm);
    }
  }
  void train(bool on) {
    for (auto* bn : {&bn1, &bn2, &bn3, &down_bn}) {
      if (!bn->is_empty()) (*bn)->train(on);
    }
  }
  at::Tensor forward(const at::Tensor& x) {
    torch::nn::AvgPool2d pool{torch::nn::AvgPool2dOptions(stride)};
    at::Tensor out = torch::relu(bn1(conv1(x)));
    out = torch::relu(bn2(conv2(out)));
    if (stride > 1) out = pool(out);
    out = bn3(conv3(out));
    at::Tensor identity = x;
    if (!down_conv.is_empty()) identity = down_bn(down_conv(stride > 1 ? pool(x) : x));
    return torch::relu(out + identity);
  }
  int64_t stride;
  torch::nn::Conv2d conv1, conv2, conv3, down_conv{nullptr};
  torch::nn::BatchNorm2d bn1, bn2, bn3, down_bn{nullptr};
};

TEST(ClipResNetLayersTest, BottleneckMatchesLibTorchLayersInEvalAndTrainMode) {
  for (const auto& [inplanes, planes, stride] :
       std::vector<std::array<int64_t, 3>>{{16, 8, 2}, {32, 8, 1}, {16, 8, 1}}) {
    ClipBottleneck ours(inplanes, planes, stride);
    EXPECT_EQ(static_cast<bool>(ours->downsample), stride > 1 || inplanes != planes * 4);
    Randomise(*ours, 5);
    ReferenceBottleneck reference(*ours);
    const at::Tensor x = at::randn({3, inplanes, 8, 8});
    ours->eval();
    reference.train(false);
    EXPECT_TRUE(at::allclose(ours->forward(x), reference.forward(x), 1e-5, 1e-5))
        << inplanes << " " << planes << " " << stride;

    // Train mode: batch statistics, and the running ones move the same way.
    ours->train();
    reference.train(true);
    EXPECT_TRUE(at::allclose(ours->forward(x), reference.forward(x), 1e-5, 1e-5));
    EXPECT_TRUE(at::allclose(ours->bn2->running_mean, reference.bn2->running_mean, 1e-6, 1e-6));
    EXPECT_TRUE(at::allclose(ours->bn3->running_var, reference.bn3->running_var, 1e-6, 1e-6));
  }
}

TEST(ClipResNetLayersTest, AttentionPoolIsMultiHeadAttentionFromTheMeanToken) {
  constexpr int64_t kWidth = 128, kHeads = 4, kSide = 3, kOut = 24, kBatch = 2;
  ClipAttentionPool pool(kSide, kWidth, kHeads, kOut);
  Randomise(*pool, 9);
  const at::Tensor x = at::randn({kBatch, kWidth, kSide, kSide});

  // AttentionPool2d.forward as OpenAI writes it: [HW, N, C] tokens with the mean first, the
  // positional embedding added, F.multi_head_attention_forward with separate q/k/v weights.
  at::Tensor tokens = x.flatten(2).permute({2, 0, 1});
  tokens = at::cat({tokens.mean(0, true), tokens}, 0) + pool->positional_embedding.unsqueeze(1);
  namespace F = torch::nn::functional;
  const at::Tensor in_proj_bias =
      at::cat({pool->q_proj->bias, pool->k_proj->bias, pool->v_proj->bias});
  auto options = F::MultiheadAttentionForwardFuncOptions(
                     kWidth, kHeads, /*in_proj_weight=*/{}, in_proj_bias, /*bias_k=*/{},
                     /*bias_v=*/{}, /*add_zero_attn=*/false, /*dropout_p=*/0.0,
                     pool->c_proj->weight, pool->c_proj->bias)
                     .use_separate_proj_weight(true)
                     .q_proj_weight(pool->q_proj->weight)
                     .k_proj_weight(pool->k_proj->weight)
                     .v_proj_weight(pool->v_proj->weight)
                     .training(false)
                     .need_weights(false);
  // The output projection maps to kOut != kWidth, which the functional's shape check allows.
  const at::Tensor expected =
      std::get<0>(F::multi_head_attention_forward(tokens.narrow(0, 0, 1), tokens, tokens, options))
          .squeeze(0);
  const at::Tensor got = pool->forward(x);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{kBatch, kOut}));
  EXPECT_TRUE(at::allclose(got, expected, 1e-5, 1e-5))
      << (got - expected).abs().max().item<double>();
}

// A ResNet CLIP small enough to build per test: one block per stage, 64 px, a one-layer text tower.
ClipConfig Tiny(int64_t width = 8) {
  ClipConfig c = *ReleasedClipConfig("RN50");
  c.vision_width = width;
  c.vision_heads = width / 2;
  c.vision_resnet_layers = {1, 1, 1, 1};
  c.image_resolution = 64;
  c.embed_dim = 16;
  c.transformer_width = 64;
  c.transformer_heads = 1;
  c.transformer_layers = 1;
  c.vocab_size = 100;
  return c;
}

// The evaluator's rule (docs/evaluator.md): at a fixed micro-batch, an image's features do not
// depend on its batch mates, its position or the padding, at 1 and 2 threads; the convolutions
// must keep that as the ViT's matrix products do.
TEST(ClipResNetDeterminismTest, FixedBatchGivesTheSameBitsAloneAndWithOtherMates) {
  constexpr int64_t kBatch = 4;
  at::manual_seed(11);
  const weights::StateDict dict = ResNetDict(
      Tiny(16), [](std::vector<int64_t> shape) { return at::randn(shape, at::kFloat) * 0.1; });
  ClipModelOptions options;
  options.fixed_batch_size = kBatch;
  auto model = ClipModel::FromStateDict(dict, options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const at::Tensor batch = at::rand({kBatch, 3, 64, 64}) * 4.0 - 2.0;
  at::Tensor other = at::rand({kBatch + 3, 3, 64, 64});
  other[2].copy_(batch[1]);
  other[5].copy_(batch[1]);
  const int original_threads = at::get_num_threads();
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    auto together = (*model)->EncodeImage(batch);
    auto mates = (*model)->EncodeImage(other);
    auto alone = (*model)->EncodeImage(batch.slice(0, 1, 2));
    ASSERT_TRUE(together.ok() && mates.ok() && alone.ok());
    const at::Tensor reference = together->slice(0, 1, 2);
    EXPECT_TRUE(at::equal(*alone, reference)) << "alone, threads " << threads;
    EXPECT_TRUE(at::equal(mates->slice(0, 2, 3), reference)) << "moved, threads " << threads;
    EXPECT_TRUE(at::equal(mates->slice(0, 5, 6), reference)) << "padded, threads " << threads;
  }
  at::set_num_threads(original_threads);
}

// ---------------------------------------------------------------------------------------------
// Broken files.

TEST(ClipResNetErrorsTest, AStageWithoutBlocksIsNamed) {
  weights::StateDict dict = ResNetDict(Tiny(), Shaped);
  std::erase_if(dict.tensors,
                [](const auto& kv) { return kv.first.rfind("visual.layer3.", 0) == 0; });
  auto config = DetectClipConfig(dict);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("visual.layer3."), std::string::npos)
      << config.status().ToString();
}

TEST(ClipResNetErrorsTest, AttentionPoolOfTheWrongWidthIsNamed) {
  weights::StateDict dict = ResNetDict(Tiny(), Shaped);
  dict.tensors["visual.attnpool.positional_embedding"] = Shaped({5, 100});
  auto config = DetectClipConfig(dict);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("visual.attnpool.positional_embedding"),
            std::string::npos)
      << config.status().ToString();
}

TEST(ClipResNetErrorsTest, AMissingRunningStatisticIsNamedOnLoad) {
  weights::StateDict dict = ResNetDict(Tiny(), Shaped);
  dict.tensors.erase("visual.layer2.0.bn2.running_var");
  auto model = ClipModel::FromStateDict(dict);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("visual.layer2.0.bn2.running_var"), std::string::npos)
      << model.status().ToString();
}

TEST(ClipResNetErrorsTest, NeitherEncoderIsNotFound) {
  weights::StateDict dict = ResNetDict(Tiny(), Shaped);
  std::erase_if(dict.tensors, [](const auto& kv) { return kv.first.rfind("visual.", 0) == 0; });
  auto config = DetectClipConfig(dict);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_NE(config.status().message().find("visual.proj"), std::string::npos);
}

}  // namespace
}  // namespace clipglass::models
