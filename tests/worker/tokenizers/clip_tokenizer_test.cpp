// Every case of the golden CLIP fixture (made by the original Python tokenizer), id for id.
#include "worker/tokenizers/clip_tokenizer.h"

#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "tests/worker/tokenizers/fixture_util.h"
#include "worker/tokenizers/clip_text_clean.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {
namespace {

using testing::HexBytes;
using testing::Ids;
using testing::LoadFixture;
using testing::VocabPath;

class ClipTokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = ClipTokenizer::Load(VocabPath("bpe_simple_vocab_16e6.txt.gz"));
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    tokenizer_ = std::move(loaded).value().release();
    cases_ = new nlohmann::json(LoadFixture("clip_cases.json"));
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    delete cases_;
  }
  static const nlohmann::json& Cases() { return (*cases_)["cases"]; }

  static ClipTokenizer* tokenizer_;
  static nlohmann::json* cases_;
};

ClipTokenizer* ClipTokenizerTest::tokenizer_ = nullptr;
nlohmann::json* ClipTokenizerTest::cases_ = nullptr;

TEST_F(ClipTokenizerTest, VocabularyHasTheOriginalShape) {
  EXPECT_EQ(tokenizer_->vocab_size(), 49408);
  EXPECT_EQ(tokenizer_->TokenString(0), "!");
  EXPECT_EQ(tokenizer_->TokenString(256), "!</w>");
  EXPECT_EQ(tokenizer_->TokenString(ClipTokenizer::kStartOfText), "<|startoftext|>");
  EXPECT_EQ(tokenizer_->TokenString(ClipTokenizer::kEndOfText), "<|endoftext|>");
  EXPECT_EQ((*cases_)["special_ids"]["sot"], ClipTokenizer::kStartOfText);
  EXPECT_EQ((*cases_)["special_ids"]["eot"], ClipTokenizer::kEndOfText);
}

TEST_F(ClipTokenizerTest, FtfyFixTextMatchesEveryCase) {
  ASSERT_FALSE(Cases().empty());
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c["id"].get<std::string>());
    auto fixed = FtfyFixText(HexBytes(c["text_utf8_hex"]));
    ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
    EXPECT_EQ(*fixed, c["ftfy_fix_text"].get<std::string>());
  }
}

TEST_F(ClipTokenizerTest, CleanedTextMatchesEveryCase) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c["id"].get<std::string>());
    auto cleaned = CleanClipText(HexBytes(c["text_utf8_hex"]));
    ASSERT_TRUE(cleaned.ok()) << cleaned.status().ToString();
    EXPECT_EQ(*cleaned, c["cleaned"].get<std::string>());
  }
}

TEST_F(ClipTokenizerTest, EncodeMatchesEveryCaseIdForId) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c["id"].get<std::string>());
    auto ids = tokenizer_->Encode(HexBytes(c["text_utf8_hex"]));
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_EQ(*ids, Ids(c["ids"]));
    std::vector<std::string> tokens;
    for (int32_t id : *ids) tokens.push_back(tokenizer_->TokenString(id));
    EXPECT_EQ(tokens, c["bpe_tokens"].get<std::vector<std::string>>());
  }
}

TEST_F(ClipTokenizerTest, TokenizeMatchesEveryCaseOrFailsWhereTheOriginalRaised) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c["id"].get<std::string>());
    const std::vector<std::string> texts = {HexBytes(c["text_utf8_hex"])};
    auto batch = tokenizer_->Tokenize(texts);
    if (c["padded_77"].is_null()) {
      ASSERT_FALSE(c["tokenize_error"].is_null());
      ASSERT_FALSE(batch.ok());
      EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_EQ(batch->rows, 1);
    ASSERT_EQ(batch->context_length, 77);
    const auto expected = c["padded_77"].get<std::vector<int64_t>>();
    EXPECT_EQ(std::vector<int64_t>(batch->row(0).begin(), batch->row(0).end()), expected);
    EXPECT_FALSE(batch->truncated[0]);
    auto with_specials = tokenizer_->EncodeWithSpecials(texts[0]);
    ASSERT_TRUE(with_specials.ok());
    EXPECT_EQ(*with_specials, Ids(c["ids_with_sot_eot"]));
  }
}

TEST_F(ClipTokenizerTest, TruncationMatchesNewerOpenAiClip) {
  int checked = 0;
  for (const auto& c : Cases()) {
    if (!c.contains("truncated_77_newer_openai_clip")) continue;
    SCOPED_TRACE(c["id"].get<std::string>());
    const std::vector<std::string> texts = {HexBytes(c["text_utf8_hex"])};
    auto batch = tokenizer_->Tokenize(texts, 77, ClipOverflow::kTruncate);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    EXPECT_TRUE(batch->truncated[0]);
    EXPECT_EQ(std::vector<int64_t>(batch->row(0).begin(), batch->row(0).end()),
              c["truncated_77_newer_openai_clip"].get<std::vector<int64_t>>());
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(ClipTokenizerTest, DecodeMatchesEveryCase) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c["id"].get<std::string>());
    const std::vector<int32_t> ids = Ids(c["ids"]);
    auto decoded = tokenizer_->Decode(ids);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, c["decoded"].get<std::string>());
  }
}

TEST_F(ClipTokenizerTest, BatchRowsArePaddedIndependently) {
  const std::vector<std::string> texts = {"a red circle", "", "a blue square on a green field"};
  auto batch = tokenizer_->Tokenize(texts);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->rows, 3);
  for (int64_t r = 0; r < 3; ++r) {
    auto alone = tokenizer_->EncodeWithSpecials(texts[r]);
    ASSERT_TRUE(alone.ok());
    const auto row = batch->row(r);
    for (size_t i = 0; i < row.size(); ++i) {
      EXPECT_EQ(row[i], i < alone->size() ? (*alone)[i] : 0) << "row " << r << " col " << i;
    }
  }
  EXPECT_EQ(batch->row(1)[0], ClipTokenizer::kStartOfText);
  EXPECT_EQ(batch->row(1)[1], ClipTokenizer::kEndOfText);
}

TEST_F(ClipTokenizerTest, SameIdsWithAWarmCache) {
  const std::string text = "the quick brown fox, the quick brown fox";
  auto first = tokenizer_->Encode(text);
  auto second = tokenizer_->Encode(text);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
}

TEST_F(ClipTokenizerTest, NonUtf8InputIsAnError) {
  for (const std::string& bad : {std::string("caf\xe9"), std::string("\xff\xfe"),
                                 std::string("a\xed\xa0\x80z"), std::string("\xc0\x80")}) {
    auto ids = tokenizer_->Encode(bad);
    ASSERT_FALSE(ids.ok());
    EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument);
    const std::vector<std::string> texts = {bad};
    EXPECT_FALSE(tokenizer_->Tokenize(texts).ok());
  }
}

// Arbitrary bytes and arbitrary code points (mojibake look-alikes, controls, entities, surrogate
// references) give ids or InvalidArgument, never a crash (the sanitizer build checks memory).
TEST_F(ClipTokenizerTest, ArbitraryInputNeverCrashes) {
  std::mt19937 rng(99);
  const char32_t kPool[] = {
      U'a',   U'&',    U';',   U'#',   U'x',     U'1',   U' ', U'\n', U'\r', 0x1B,   U'[',   U'm',
      0xC3,   0xA9,    0xE2,   0x20AC, 0x2122,   0x9D,   0x81, 0xA0,  0x301, 0xFB01, 0xFF21, 0x3000,
      0x2019, 0x1F600, 0xFEFF, 0xFFFD, 0x10FFFF, 0xD7FF, 0x1A, 0x0,   0xED,  0xC0,   0x85};
  std::uniform_int_distribution<int> length(0, 40), pick(0, std::size(kPool) - 1), byte(0, 255);
  for (int i = 0; i < 1500; ++i) {
    std::u32string chars;
    for (int n = length(rng); n > 0; --n) chars.push_back(kPool[pick(rng)]);
    auto ids = tokenizer_->Encode(EncodeUtf8(chars));
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    std::string bytes;
    for (int n = length(rng); n > 0; --n) bytes.push_back(static_cast<char>(byte(rng)));
    auto maybe = tokenizer_->Encode(bytes);
    if (!maybe.ok()) {
      EXPECT_EQ(maybe.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST_F(ClipTokenizerTest, DecodeRejectsOutOfRangeIds) {
  const std::vector<int32_t> ids = {320, 49408};
  auto decoded = tokenizer_->Decode(ids);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(tokenizer_->Decode(std::vector<int32_t>{-1}).ok());
}

TEST_F(ClipTokenizerTest, LongRunsRoundTrip) {
  const std::string text = std::string(100000, 'a') + std::string(100000, ' ') + "b";
  auto ids = tokenizer_->Encode(text);
  ASSERT_TRUE(ids.ok());
  auto decoded = tokenizer_->Decode(*ids);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, std::string(100000, 'a') + " b ");
}

TEST_F(ClipTokenizerTest, TooSmallContextIsAnError) {
  EXPECT_FALSE(tokenizer_->EncodeWithSpecials("a", 1).ok());
}

TEST(ClipTokenizerLoadTest, MissingFileNamesIt) {
  auto loaded = ClipTokenizer::Load("no/such/merges.txt.gz");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("no/such/merges.txt.gz"), std::string::npos);
}

TEST(ClipTokenizerLoadTest, NotGzipIsDataLoss) {
  auto loaded = ClipTokenizer::Load(VocabPath("vocab.bpe"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace clipglass::tokenizers
