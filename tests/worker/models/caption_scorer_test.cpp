// The caption pipeline on the fixture models: the GPT-2 fixture (real 50257-id vocabulary, so the
// real GPT-2 tokenizer decodes its ids) and the CLIP fixture (real 49408-id vocabulary, so the real
// CLIP tokenizer's ids are in range). The captions must equal the original's parse_out texts
// (gpt2/config.json), the CLIP half must reproduce the CLIP fixture's cosine similarities, and an
// individual's score must not depend on its batch.
#include "worker/models/caption_scorer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/worker/models/tensor_match.h"

namespace clipglass::models {
namespace {

using ::clipglass::testing::AllClose;
using ::clipglass::testing::ReferencePath;

constexpr double kTol = 1e-4;

nlohmann::json Json(const std::string& relative) {
  std::ifstream in(ReferencePath(relative));
  return nlohmann::json::parse(in);
}

at::Tensor FixtureTensor(const std::string& file, const std::string& key) {
  auto dict = weights::LoadStateDict(ReferencePath(file));
  EXPECT_TRUE(dict.ok()) << dict.status().ToString();
  if (!dict.ok()) return at::Tensor();
  auto tensor = dict->Get(key);
  EXPECT_TRUE(tensor.ok()) << tensor.status().ToString();
  return tensor.ok() ? *tensor : at::Tensor();
}

// The vocabularies the program ships (worker/tokenizers/vocab).
std::string SourcePath(const std::string& relative) {
  return std::string(CLIPGLASS_SOURCE_DIR) + "/" + relative;
}

template <typename T>
std::shared_ptr<const T> Must(StatusOr<std::unique_ptr<T>> loaded) {
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return loaded.ok() ? std::shared_ptr<const T>(std::move(loaded).value()) : nullptr;
}

class CaptionScorerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Gpt2Options gpt2_options;
    gpt2_options.n_head = Json("gpt2/config.json")["hyperparameters"]["n_head"].get<int64_t>();
    gpt2_ = new std::shared_ptr<const Gpt2>(
        Must(Gpt2::Load(ReferencePath("gpt2/weights.safetensors"), gpt2_options)));
    gpt2_tokenizer_ =
        new std::shared_ptr<const tokenizers::Gpt2Tokenizer>(Must(tokenizers::Gpt2Tokenizer::Load(
            SourcePath(tokenizers::kGpt2EncoderFile), SourcePath(tokenizers::kGpt2MergesFile))));
    clip_ = new std::shared_ptr<const ClipModel>(
        Must(ClipModel::Load(ReferencePath("clip/weights.safetensors"))));
    clip_tokenizer_ = new std::shared_ptr<const tokenizers::ClipTokenizer>(
        Must(tokenizers::ClipTokenizer::Load(SourcePath(tokenizers::kClipMergesFile))));
  }
  static void TearDownTestSuite() {
    delete gpt2_;
    delete gpt2_tokenizer_;
    delete clip_;
    delete clip_tokenizer_;
  }

  static std::unique_ptr<CaptionScorer> MakeScorer(const CaptionScorerOptions& options = {}) {
    auto scorer =
        CaptionScorer::Create(*gpt2_, *gpt2_tokenizer_, *clip_, *clip_tokenizer_, options);
    EXPECT_TRUE(scorer.ok()) << scorer.status().ToString();
    return scorer.ok() ? std::move(scorer).value() : nullptr;
  }

  // The CLIP fixture's image features: row i is a target image embedding.
  static at::Tensor TargetImage(int64_t i) {
    return FixtureTensor("clip/outputs.safetensors", "image_features")[i];
  }

  static std::shared_ptr<const Gpt2>* gpt2_;
  static std::shared_ptr<const tokenizers::Gpt2Tokenizer>* gpt2_tokenizer_;
  static std::shared_ptr<const ClipModel>* clip_;
  static std::shared_ptr<const tokenizers::ClipTokenizer>* clip_tokenizer_;
};
std::shared_ptr<const Gpt2>* CaptionScorerTest::gpt2_ = nullptr;
std::shared_ptr<const tokenizers::Gpt2Tokenizer>* CaptionScorerTest::gpt2_tokenizer_ = nullptr;
std::shared_ptr<const ClipModel>* CaptionScorerTest::clip_ = nullptr;
std::shared_ptr<const tokenizers::ClipTokenizer>* CaptionScorerTest::clip_tokenizer_ = nullptr;

TEST_F(CaptionScorerTest, CaptionsEqualTheOriginalParseOut) {
  auto scorer = MakeScorer();
  ASSERT_NE(scorer, nullptr);
  const at::Tensor init_tokens = FixtureTensor("gpt2/inputs.safetensors", "init_tokens");
  const std::vector<int64_t> want_context(init_tokens.data_ptr<int64_t>(),
                                          init_tokens.data_ptr<int64_t>() + init_tokens.numel());
  EXPECT_EQ(scorer->context_ids(), want_context);  // encode("the picture of")

  auto captions = scorer->Caption(FixtureTensor("gpt2/inputs.safetensors", "random_prefix"));
  ASSERT_TRUE(captions.ok()) << captions.status().ToString();
  const std::vector<std::string> want =
      Json("gpt2/config.json")["clip_glass_parse_out_texts"].get<std::vector<std::string>>();
  EXPECT_EQ(*captions, want);
}

TEST_F(CaptionScorerTest, ClipHalfMatchesTheClipFixture) {
  auto scorer = MakeScorer();
  ASSERT_NE(scorer, nullptr);
  const std::vector<std::string> captions =
      Json("clip/config.json")["inputs"]["text_tokens"]["captions"].get<std::vector<std::string>>();
  const at::Tensor want = FixtureTensor("clip/outputs.safetensors", "cosine_similarity");  // [3, 4]
  for (int64_t image = 0; image < want.size(0); ++image) {
    auto scores = scorer->ScoreCaptions(captions, TargetImage(image));
    ASSERT_TRUE(scores.ok()) << scores.status().ToString();
    EXPECT_TRUE(AllClose(scores->similarity, want[image], kTol, kTol)) << "image " << image;
    EXPECT_EQ(scores->captions, captions);
    EXPECT_EQ(scores->too_long, std::vector<bool>(captions.size(), false));
  }
}

TEST_F(CaptionScorerTest, ScoreIsCaptionThenScoreCaptions) {
  auto scorer = MakeScorer();
  ASSERT_NE(scorer, nullptr);
  const at::Tensor genomes = FixtureTensor("gpt2/inputs.safetensors", "random_prefix");
  auto scores = scorer->Score(genomes, TargetImage(1));
  auto captions = scorer->Caption(genomes);
  ASSERT_TRUE(scores.ok() && captions.ok());
  auto direct = scorer->ScoreCaptions(*captions, TargetImage(1).unsqueeze(0));  // [1, E] works too
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  EXPECT_EQ(scores->captions, *captions);
  EXPECT_TRUE(scores->similarity.equal(direct->similarity));
  EXPECT_EQ(scores->similarity.sizes(), (std::vector<int64_t>{genomes.size(0)}));
  EXPECT_GT(scores->similarity.abs().min().item<float>(), 0.0f);
}

TEST_F(CaptionScorerTest, AnIndividualScoresTheSameBitsInAnyBatch) {
  CaptionScorerOptions options;
  options.batch_size = 4;
  auto scorer = MakeScorer(options);
  ASSERT_NE(scorer, nullptr);
  // Six genomes (two chunks, the second padded) spread over the vocabulary.
  const at::Tensor genomes = (at::arange(120, at::kLong) * 7919 + 13) % 50256;
  const at::Tensor population = genomes.view({6, 20});
  auto together = scorer->Score(population, TargetImage(0));
  ASSERT_TRUE(together.ok()) << together.status().ToString();
  for (int64_t i = 0; i < 6; ++i) {
    auto alone = scorer->Score(population.narrow(0, i, 1), TargetImage(0));
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    EXPECT_EQ(alone->captions[0], together->captions[i]) << i;
    EXPECT_TRUE(alone->similarity[0].equal(together->similarity[i]))
        << i << ": " << alone->similarity[0].item<float>() << " vs "
        << together->similarity[i].item<float>();
  }
}

TEST_F(CaptionScorerTest, EndOfTextInTheGenomeGivesAnEmptyCaption) {
  auto scorer = MakeScorer();
  ASSERT_NE(scorer, nullptr);
  at::Tensor genomes = FixtureTensor("gpt2/inputs.safetensors", "random_prefix").clone();
  genomes[0][5] = 50256;  // <|endoftext|>
  auto scores = scorer->Score(genomes, TargetImage(2));
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  EXPECT_EQ(scores->captions[0], "");
  auto empty = scorer->ScoreCaptions({""}, TargetImage(2));
  ASSERT_TRUE(empty.ok());
  EXPECT_NEAR(scores->similarity[0].item<float>(), empty->similarity[0].item<float>(), 1e-6);

  CaptionScorerOptions options;
  options.rules.end_of_text_in_genome_empties_caption = false;
  auto lenient = MakeScorer(options);
  ASSERT_NE(lenient, nullptr);
  auto captions = lenient->Caption(genomes);
  ASSERT_TRUE(captions.ok());
  EXPECT_EQ((*captions)[0].rfind("the picture of", 0), 0u) << (*captions)[0];
}

TEST_F(CaptionScorerTest, CaptionsBeyondClipsContextScoreZeroOrAreTruncated) {
  std::string long_caption;
  std::string fitting;  // 75 ids: exactly what truncation keeps
  for (int i = 0; i < 100; ++i) long_caption += i ? " a" : "a";
  for (int i = 0; i < 75; ++i) fitting += i ? " a" : "a";
  const std::vector<std::string> captions = {"a red circle", long_caption, fitting};

  auto faithful = MakeScorer();
  ASSERT_NE(faithful, nullptr);
  auto zeroed = faithful->ScoreCaptions(captions, TargetImage(0));
  ASSERT_TRUE(zeroed.ok()) << zeroed.status().ToString();
  EXPECT_EQ(zeroed->too_long, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(zeroed->similarity[1].item<float>(), 0.0f);
  EXPECT_NE(zeroed->similarity[0].item<float>(), 0.0f);

  CaptionScorerOptions options;
  options.overflow = tokenizers::ClipOverflow::kTruncate;
  auto truncating = MakeScorer(options);
  ASSERT_NE(truncating, nullptr);
  auto truncated = truncating->ScoreCaptions(captions, TargetImage(0));
  ASSERT_TRUE(truncated.ok()) << truncated.status().ToString();
  EXPECT_EQ(truncated->too_long, (std::vector<bool>{false, true, false}));
  EXPECT_NE(truncated->similarity[1].item<float>(), 0.0f);
  EXPECT_NEAR(truncated->similarity[1].item<float>(), truncated->similarity[2].item<float>(), 1e-6);
  EXPECT_EQ(truncated->similarity[0].item<float>(), zeroed->similarity[0].item<float>());
}

TEST_F(CaptionScorerTest, RejectsWhatDoesNotFit) {
  auto scorer = MakeScorer();
  ASSERT_NE(scorer, nullptr);
  const at::Tensor genomes = FixtureTensor("gpt2/inputs.safetensors", "random_prefix");
  EXPECT_EQ(scorer->Caption(genomes.narrow(1, 0, 19)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(scorer->Caption(genomes.to(at::kFloat)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scorer->Caption(genomes.clone().fill_(50257)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(scorer->ScoreCaptions({"a"}, at::zeros({3})).status().code(),
            StatusCode::kInvalidArgument);

  CaptionScorerOptions too_long;
  too_long.rules.new_tokens = 1024;
  EXPECT_FALSE(
      CaptionScorer::Create(*gpt2_, *gpt2_tokenizer_, *clip_, *clip_tokenizer_, too_long).ok());
  EXPECT_FALSE(CaptionScorer::Create(nullptr, *gpt2_tokenizer_, *clip_, *clip_tokenizer_).ok());
}

}  // namespace
}  // namespace clipglass::models
