// GPT-2 parity with the original (graykode/gpt-2-Pytorch as vendored in clip-glass) on the
// tests/data/reference/gpt2 fixture, checkpoint naming variants, size detection for the released
// sizes, decoding (greedy with and without the cache, seeded sampling), the caption rules, and the
// `clipglass model-run gpt2` probe.
#include "worker/models/gpt2.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tests/worker/models/fixture_dict.h"
#include "tests/worker/models/tensor_match.h"
#include "worker/models/gpt2_caption.h"
#include "worker/models/gpt2_modules.h"

namespace clipglass::models {
namespace {

using ::clipglass::testing::AllClose;
using ::clipglass::testing::LoadReferenceDictOrFail;
using ::clipglass::testing::MaxAbsError;
using ::clipglass::testing::ReferencePath;
using ::clipglass::testing::TensorOrFail;

constexpr double kTol = 1e-4;  // atol = rtol, tests/data/reference/README.md

nlohmann::json FixtureConfig() {
  std::ifstream in(ReferencePath("gpt2/config.json"));
  return nlohmann::json::parse(in);
}

int64_t FixtureHeads() { return FixtureConfig()["hyperparameters"]["n_head"].get<int64_t>(); }

// Loads the fixture model once for every test of a suite.
class Gpt2FixtureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Gpt2Options options;
    options.n_head = FixtureHeads();
    auto model = Gpt2::Load(ReferencePath("gpt2/weights.safetensors"), options);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    model_ = std::move(model).value().release();
    inputs_ = new weights::StateDict(LoadReferenceDictOrFail("gpt2/inputs.safetensors"));
    outputs_ = new weights::StateDict(LoadReferenceDictOrFail("gpt2/outputs.safetensors"));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete inputs_;
    delete outputs_;
  }

  static const Gpt2& model() { return *model_; }
  static at::Tensor input_ids() { return TensorOrFail(*inputs_, "input_ids"); }
  static at::Tensor expected(const std::string& key) { return TensorOrFail(*outputs_, key); }

 private:
  static Gpt2* model_;
  static weights::StateDict* inputs_;
  static weights::StateDict* outputs_;
};
Gpt2* Gpt2FixtureTest::model_ = nullptr;
weights::StateDict* Gpt2FixtureTest::inputs_ = nullptr;
weights::StateDict* Gpt2FixtureTest::outputs_ = nullptr;

TEST_F(Gpt2FixtureTest, DetectsTheFixtureSizes) {
  const nlohmann::json hyper = FixtureConfig()["hyperparameters"];
  const Gpt2Config& config = model().config();
  EXPECT_EQ(config.vocab_size, hyper["vocab_size_or_config_json_file"].get<int64_t>());
  EXPECT_EQ(config.n_positions, hyper["n_positions"].get<int64_t>());
  EXPECT_EQ(config.n_embd, hyper["n_embd"].get<int64_t>());
  EXPECT_EQ(config.n_inner, 4 * hyper["n_embd"].get<int64_t>());
  EXPECT_EQ(config.n_layer, hyper["n_layer"].get<int64_t>());
  EXPECT_EQ(config.n_head, hyper["n_head"].get<int64_t>());
  EXPECT_DOUBLE_EQ(config.layer_norm_epsilon, hyper["layer_norm_epsilon"].get<double>());
}

TEST_F(Gpt2FixtureTest, ForwardMatchesTheOriginal) {
  auto out = model().Forward(input_ids());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(AllClose(out->hidden_states, expected("hidden_states"), kTol, kTol));
  EXPECT_TRUE(AllClose(out->logits_last, expected("logits_last"), kTol, kTol));
  ASSERT_EQ(out->presents.size(), 2u);
  for (size_t i = 0; i < out->presents.size(); ++i) {
    const at::Tensor want = expected("presents_" + std::to_string(i));
    EXPECT_TRUE(AllClose(out->presents[i], want, kTol, kTol)) << "layer " << i;
    std::cout << "[ parity ] presents_" << i
              << " max abs error: " << MaxAbsError(out->presents[i], want) << "\n";
  }

  auto logits = model().Logits(out->hidden_states);  // [B, T, V]
  ASSERT_TRUE(logits.ok()) << logits.status().ToString();
  const at::Tensor first512 = logits->narrow(-1, 0, 512);
  EXPECT_TRUE(AllClose(first512, expected("logits_first512"), kTol, kTol));
  const at::Tensor logsumexp = logits->logsumexp(-1);
  EXPECT_TRUE(AllClose(logsumexp, expected("logits_logsumexp"), kTol, kTol));
  EXPECT_TRUE(logits->argmax(-1).equal(expected("logits_argmax")));
  EXPECT_TRUE(logits->select(1, -1).equal(out->logits_last));

  std::cout << "[ parity ] hidden_states max abs error: "
            << MaxAbsError(out->hidden_states, expected("hidden_states")) << "\n"
            << "[ parity ] logits_last max abs error: "
            << MaxAbsError(out->logits_last, expected("logits_last")) << "\n"
            << "[ parity ] logits_first512 max abs error: "
            << MaxAbsError(first512, expected("logits_first512")) << "\n"
            << "[ parity ] logits_logsumexp max abs error: "
            << MaxAbsError(logsumexp, expected("logits_logsumexp")) << "\n";
}

TEST_F(Gpt2FixtureTest, GreedyGenerationMatchesIdForId) {
  const at::Tensor want = expected("generated_ids");  // [B, T + 30]
  const int64_t new_tokens = want.size(1) - input_ids().size(1);
  for (bool use_cache : {true, false}) {
    SCOPED_TRACE(use_cache ? "with cache" : "without cache");
    Gpt2GenerateOptions options;
    options.new_tokens = new_tokens;
    options.use_cache = use_cache;
    auto got = model().Generate(input_ids(), options);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->scalar_type(), at::kLong);
    EXPECT_TRUE(got->equal(want)) << *got << "\nvs\n" << want;
  }
}

TEST_F(Gpt2FixtureTest, GreedyStepLogitsMatchTheOriginal) {
  // The top-2 logits behind every greedy choice, recomputed without the cache as the fixture was.
  const at::Tensor generated = expected("generated_ids");
  const int64_t context = input_ids().size(1);
  const int64_t steps = generated.size(1) - context;
  auto out = model().Forward(generated.narrow(1, 0, generated.size(1) - 1));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto logits = model().Logits(out->hidden_states.narrow(1, context - 1, steps));
  ASSERT_TRUE(logits.ok()) << logits.status().ToString();
  const at::Tensor top2 = std::get<0>(logits->topk(2, -1));  // [B, steps, 2]
  EXPECT_TRUE(AllClose(top2, expected("greedy_step_top2_logits"), kTol, kTol));
}

TEST_F(Gpt2FixtureTest, RowsDecodeIndependentlyOfTheirBatch) {
  const at::Tensor want = expected("generated_ids");
  for (int64_t row = 0; row < input_ids().size(0); ++row) {
    auto alone = model().Generate(input_ids().narrow(0, row, 1));
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    EXPECT_TRUE(alone->equal(want.narrow(0, row, 1))) << "row " << row;
  }
}

TEST_F(Gpt2FixtureTest, SeededSamplingIsReproducible) {
  Gpt2GenerateOptions options;
  options.sample = true;
  options.seed = 7;
  auto first = model().Generate(input_ids(), options);
  auto second = model().Generate(input_ids(), options);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(first->equal(*second));
  EXPECT_TRUE(first->narrow(1, 0, input_ids().size(1)).equal(input_ids()));
  options.seed = 8;
  auto other = model().Generate(input_ids(), options);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(first->equal(*other));  // 60 draws from top-40 distributions

  // top_k = 1 leaves one token with probability 1: sampling becomes greedy.
  options.top_k = 1;
  auto top1 = model().Generate(input_ids(), options);
  ASSERT_TRUE(top1.ok());
  EXPECT_TRUE(top1->equal(expected("generated_ids")));
}

TEST_F(Gpt2FixtureTest, RejectsBadInputs) {
  const at::Tensor ids = input_ids();
  EXPECT_EQ(model().Forward(ids.clone().fill_(model().config().vocab_size)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(model().Forward(ids.clone().fill_(-1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model().Forward(ids.to(at::kFloat)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model().Forward(ids[0]).status().code(), StatusCode::kInvalidArgument);
  Gpt2GenerateOptions too_long;
  too_long.new_tokens = model().config().n_positions;
  EXPECT_EQ(model().Generate(ids, too_long).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model().Logits(at::zeros({2, 3})).status().code(), StatusCode::kInvalidArgument);
}

// The fixture under the naming variants real checkpoints use.
TEST(Gpt2LoadTest, AcceptsPrefixLmHeadAndMaskBuffers) {
  const weights::StateDict plain = LoadReferenceDictOrFail("gpt2/weights.safetensors");
  const int64_t n_ctx = TensorOrFail(plain, "wpe.weight").size(0);
  weights::StateDict variant;
  variant.source = "variant";
  for (const auto& [key, tensor] : plain.tensors) variant.tensors["transformer." + key] = tensor;
  variant.tensors["lm_head.weight"] = TensorOrFail(plain, "wte.weight");
  for (int i = 0; i < plain.CountIndexed("h."); ++i) {
    const std::string prefix = "transformer.h." + std::to_string(i) + ".attn.";
    variant.tensors[prefix + "bias"] = at::ones({n_ctx, n_ctx}).tril().view({1, 1, n_ctx, n_ctx});
    variant.tensors[prefix + "masked_bias"] = at::full({}, -1e4);
  }
  Gpt2Options options;
  options.n_head = FixtureHeads();
  auto model = Gpt2::FromStateDict(variant, options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const weights::StateDict inputs = LoadReferenceDictOrFail("gpt2/inputs.safetensors");
  const weights::StateDict outputs = LoadReferenceDictOrFail("gpt2/outputs.safetensors");
  auto out = (*model)->Forward(TensorOrFail(inputs, "input_ids"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(AllClose(out->logits_last, TensorOrFail(outputs, "logits_last"), kTol, kTol));

  // Unprefixed with the mask buffers too.
  weights::StateDict with_masks = plain;
  with_masks.tensors["h.0.attn.bias"] = at::ones({1, 1, n_ctx, n_ctx}).tril();
  EXPECT_TRUE(Gpt2::FromStateDict(with_masks, options).ok());
}

TEST(Gpt2LoadTest, MissingOrUnexpectedKeysFail) {
  Gpt2Options options;
  options.n_head = FixtureHeads();
  weights::StateDict missing = LoadReferenceDictOrFail("gpt2/weights.safetensors");
  missing.tensors.erase("h.1.mlp.c_proj.bias");
  auto status = Gpt2::FromStateDict(missing, options).status();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("h.1.mlp.c_proj.bias"), std::string::npos) << status.ToString();

  weights::StateDict unexpected = LoadReferenceDictOrFail("gpt2/weights.safetensors");
  unexpected.tensors["h.0.attn.c_extra.weight"] = at::zeros({2});
  status = Gpt2::FromStateDict(unexpected, options).status();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("h.0.attn.c_extra.weight"), std::string::npos)
      << status.ToString();

  weights::StateDict not_gpt2;
  not_gpt2.tensors["visual.conv1.weight"] = at::zeros({2});
  EXPECT_FALSE(Gpt2::FromStateDict(not_gpt2, options).ok());
}

// A dict with the shapes of a released checkpoint and no memory behind them (expanded scalars).
weights::StateDict SyntheticDict(const Gpt2Config& config, const std::string& prefix = "") {
  auto shaped = [](std::vector<int64_t> shape) { return at::zeros({1}).expand(shape); };
  const int64_t c = config.n_embd;
  weights::StateDict dict;
  dict.source = "synthetic";
  dict.tensors[prefix + "wte.weight"] = shaped({config.vocab_size, c});
  dict.tensors[prefix + "wpe.weight"] = shaped({config.n_positions, c});
  for (int64_t i = 0; i < config.n_layer; ++i) {
    const std::string block = prefix + "h." + std::to_string(i) + ".";
    dict.tensors[block + "attn.c_attn.weight"] = shaped({c, 3 * c});
    dict.tensors[block + "attn.bias"] = shaped({1, 1, config.n_positions, config.n_positions});
    dict.tensors[block + "mlp.c_fc.weight"] = shaped({c, config.n_inner});
  }
  return dict;
}

TEST(Gpt2ConfigTest, DetectsEveryReleasedSize) {
  for (const Gpt2Config& released :
       {Gpt2Config::Small(), Gpt2Config::Medium(), Gpt2Config::Large(), Gpt2Config::Xl()}) {
    for (const std::string prefix : {"", "transformer."}) {
      SCOPED_TRACE(std::to_string(released.n_embd) + " " + prefix);
      auto config = DetectGpt2Config(CanonicalGpt2Dict(SyntheticDict(released, prefix)));
      ASSERT_TRUE(config.ok()) << config.status().ToString();
      EXPECT_EQ(config->vocab_size, 50257);
      EXPECT_EQ(config->n_positions, 1024);
      EXPECT_EQ(config->n_embd, released.n_embd);
      EXPECT_EQ(config->n_inner, 4 * released.n_embd);
      EXPECT_EQ(config->n_layer, released.n_layer);
      EXPECT_EQ(config->n_head, released.n_head);
      EXPECT_EQ(config->head_dim(), 64);
    }
  }
  EXPECT_EQ(Gpt2Config::Small().n_layer, 12);
  EXPECT_EQ(Gpt2Config::Medium().n_head, 16);
  EXPECT_EQ(Gpt2Config::Large().n_layer, 36);
  EXPECT_EQ(Gpt2Config::Xl().n_head, 25);
}

TEST(Gpt2ConfigTest, HeadCountFromOptionMetadataOrWidth) {
  Gpt2Config tiny;
  tiny.vocab_size = 11;
  tiny.n_positions = 16;
  tiny.n_embd = 48;
  tiny.n_inner = 96;
  tiny.n_layer = 3;
  weights::StateDict dict = SyntheticDict(tiny);
  EXPECT_EQ(DetectGpt2Config(dict).status().code(), StatusCode::kInvalidArgument);  // 48 % 64
  auto explicit_heads = DetectGpt2Config(dict, 4);
  ASSERT_TRUE(explicit_heads.ok());
  EXPECT_EQ(explicit_heads->n_head, 4);
  EXPECT_EQ(explicit_heads->n_inner, 96);
  EXPECT_EQ(explicit_heads->n_layer, 3);
  dict.metadata["n_head"] = "6";
  auto from_metadata = DetectGpt2Config(dict);
  ASSERT_TRUE(from_metadata.ok());
  EXPECT_EQ(from_metadata->n_head, 6);
  EXPECT_EQ(DetectGpt2Config(dict, 3)->n_head, 3);  // the option wins
  EXPECT_FALSE(DetectGpt2Config(dict, 5).ok());     // 48 % 5
  dict.metadata["n_head"] = "six";
  EXPECT_FALSE(DetectGpt2Config(dict).ok());

  weights::StateDict bad_block = SyntheticDict(Gpt2Config::Small());
  bad_block.tensors["h.7.attn.c_attn.weight"] = at::zeros({1}).expand({768, 768});
  auto bad = DetectGpt2Config(bad_block);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("h.7.attn.c_attn.weight"), std::string::npos);
}

TEST(Gpt2RandomTest, CacheAndRecomputationAgreeAtAnotherShape) {
  // Odd sizes the fixture does not cover: 3 heads of 8, 3 layers, a 40-token vocabulary.
  Gpt2Config config;
  config.vocab_size = 40;
  config.n_positions = 24;
  config.n_embd = 24;
  config.n_inner = 40;
  config.n_layer = 3;
  config.n_head = 3;
  auto model = Gpt2::WithRandomWeights(config, 5);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const at::Tensor context = (at::arange(20, at::kLong) * 7 % 40).view({4, 5});
  Gpt2GenerateOptions options;
  options.new_tokens = 19;  // up to every position
  auto cached = (*model)->Generate(context, options);
  options.use_cache = false;
  auto recomputed = (*model)->Generate(context, options);
  ASSERT_TRUE(cached.ok() && recomputed.ok());
  EXPECT_TRUE(cached->equal(*recomputed));
  EXPECT_EQ(cached->size(1), 24);

  // The cache's presents equal a full pass over the same ids.
  auto full = (*model)->Forward(*cached);
  auto prefix = (*model)->Forward(cached->narrow(1, 0, 10));
  ASSERT_TRUE(full.ok() && prefix.ok());
  EXPECT_TRUE(AllClose(prefix->hidden_states, full->hidden_states.narrow(1, 0, 10), 1e-5, 1e-5));
  EXPECT_TRUE(AllClose(prefix->presents[2], full->presents[2].narrow(3, 0, 10), 1e-5, 1e-5));
}

TEST(Gpt2ModulesTest, CachedSingleTokenStepsEqualAFullPass) {
  // Cached one-token steps against one pass over the whole sequence (the attention kernel itself
  // is checked against the masked matrix math in gpt2_attention_cpu_test).
  Gpt2Config config;
  config.vocab_size = 50;
  config.n_positions = 16;
  config.n_embd = 40;
  config.n_inner = 64;
  config.n_layer = 2;
  config.n_head = 5;
  gpt2::Transformer model(config);
  {
    at::NoGradGuard no_grad;
    for (auto& param : model->parameters()) param.normal_(0.0, 0.3);
  }
  const at::Tensor ids = (at::arange(3 * 12, at::kLong) * 11 % 50).view({3, 12});
  gpt2::KvCache full_cache = gpt2::KvCache::Allocate(config, 3, 12, at::kFloat);
  const at::Tensor full = model->forward(ids, full_cache);  // [3, 12, C]
  gpt2::KvCache cache = gpt2::KvCache::Allocate(config, 3, 12, at::kFloat);
  model->forward(ids.narrow(1, 0, 5), cache);
  for (int64_t t = 5; t < 12; ++t) {
    const at::Tensor step = model->forward(ids.narrow(1, t, 1), cache);  // [3, 1, C]
    EXPECT_TRUE(AllClose(step, full.narrow(1, t, 1), 1e-5, 1e-5)) << "position " << t;
  }
  EXPECT_EQ(cache.length, 12);
  for (size_t i = 0; i < cache.keys.size(); ++i) {
    EXPECT_TRUE(AllClose(cache.Presents()[i], full_cache.Presents()[i], 1e-5, 1e-5));
  }
}

TEST(Gpt2CaptionTest, CaptionIdsFollowParseOut) {
  CaptionRules rules;
  rules.genome_length = 3;
  rules.end_of_text_id = 9;
  using Ids = std::vector<int64_t>;
  EXPECT_EQ(CaptionIds(Ids{1, 2, 3, 4, 5, 6}, rules), (Ids{4, 5, 6}));
  EXPECT_EQ(CaptionIds(Ids{1, 2, 3, 4, 9, 6, 9}, rules), (Ids{4}));
  EXPECT_EQ(CaptionIds(Ids{1, 2, 3, 9, 5}, rules), (Ids{}));
  // <|endoftext|> in the genome: Python's seq[3:1] is empty.
  EXPECT_EQ(CaptionIds(Ids{1, 9, 3, 4, 5}, rules), (Ids{}));
  rules.end_of_text_in_genome_empties_caption = false;
  EXPECT_EQ(CaptionIds(Ids{1, 9, 3, 4, 5}, rules), (Ids{4, 5}));
  EXPECT_EQ(CaptionIds(Ids{1, 9, 3, 4, 9}, rules), (Ids{4}));
  EXPECT_EQ(CaptionIds(Ids{1, 2}, rules), (Ids{}));  // shorter than the genome
}

TEST(Gpt2CaptionTest, KeepCodePointsCountsPythonCharacters) {
  EXPECT_EQ(KeepCodePoints("the picture of", 50), "the picture of");
  EXPECT_EQ(KeepCodePoints("the picture of", 3), "the");
  EXPECT_EQ(KeepCodePoints("abc", 0), "");
  EXPECT_EQ(KeepCodePoints("", 5), "");
  // U+00E9 (2 bytes), U+FFFD (3 bytes), U+1F600 (4 bytes): one character each.
  EXPECT_EQ(KeepCodePoints("\xC3\xA9\xEF\xBF\xBD\xF0\x9F\x98\x80x", 3),
            "\xC3\xA9\xEF\xBF\xBD\xF0\x9F\x98\x80");
  EXPECT_EQ(KeepCodePoints("\xC3\xA9\xEF\xBF\xBD\xF0\x9F\x98\x80x", 2), "\xC3\xA9\xEF\xBF\xBD");
  const CaptionRules defaults;
  EXPECT_EQ(defaults.genome_length, 20);
  EXPECT_EQ(defaults.new_tokens, 30);
  EXPECT_EQ(defaults.max_chars, 50);
  EXPECT_EQ(defaults.end_of_text_id, 50256);
  EXPECT_EQ(defaults.context_text, "the picture of");
}

}  // namespace
}  // namespace clipglass::models
