// Every case of the golden GPT-2 fixture (made by the original encoder.py), id for id.
#include "worker/tokenizers/gpt2_tokenizer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/worker/tokenizers/fixture_util.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {
namespace {

using testing::HexBytes;
using testing::Ids;
using testing::LoadFixture;
using testing::VocabPath;

class Gpt2TokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Gpt2Tokenizer::Load(VocabPath("encoder.json"), VocabPath("vocab.bpe"));
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    tokenizer_ = std::move(loaded).value().release();
    fixture_ = new nlohmann::json(LoadFixture("gpt2_cases.json"));
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    delete fixture_;
  }

  static Gpt2Tokenizer* tokenizer_;
  static nlohmann::json* fixture_;
};

Gpt2Tokenizer* Gpt2TokenizerTest::tokenizer_ = nullptr;
nlohmann::json* Gpt2TokenizerTest::fixture_ = nullptr;

TEST_F(Gpt2TokenizerTest, VocabularyHasTheReleasedShape) {
  EXPECT_EQ(tokenizer_->vocab_size(), 50257);
  EXPECT_EQ(tokenizer_->TokenString(Gpt2Tokenizer::kEndOfText), "<|endoftext|>");
  EXPECT_EQ((*fixture_)["special_ids"]["<|endoftext|>"], Gpt2Tokenizer::kEndOfText);
}

TEST_F(Gpt2TokenizerTest, EncodeMatchesEveryCaseIdForId) {
  const auto& cases = (*fixture_)["cases"];
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c["id"].get<std::string>());
    auto ids = tokenizer_->Encode(HexBytes(c["text_utf8_hex"]));
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_EQ(*ids, Ids(c["ids"]));
    std::vector<std::string> tokens;
    for (int32_t id : *ids) tokens.push_back(tokenizer_->TokenString(id));
    EXPECT_EQ(tokens, c["bpe_tokens"].get<std::vector<std::string>>());
  }
}

TEST_F(Gpt2TokenizerTest, DecodeMatchesEveryCase) {
  for (const auto& c : (*fixture_)["cases"]) {
    SCOPED_TRACE(c["id"].get<std::string>());
    auto decoded = tokenizer_->Decode(Ids(c["ids"]));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, c["decoded"].get<std::string>());
    EXPECT_EQ(*decoded == HexBytes(c["text_utf8_hex"]), c["roundtrip_equal"].get<bool>());
  }
}

TEST_F(Gpt2TokenizerTest, DecodeCasesGiveTheReplacementCharactersPythonGives) {
  const auto& cases = (*fixture_)["decode_cases"];
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c["id"].get<std::string>());
    auto decoded = tokenizer_->Decode(Ids(c["ids"]));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(HexBytes(c["decoded_utf8_hex"]), *decoded);
    EXPECT_EQ(c["decoded"].get<std::string>(), *decoded);
  }
}

TEST_F(Gpt2TokenizerTest, DecodingRandomIdsIsSafeAndGivesValidUtf8) {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> id(0, tokenizer_->vocab_size() - 1);
  for (int genome = 0; genome < 2000; ++genome) {
    std::vector<int32_t> ids(20);
    for (int32_t& x : ids) x = id(rng);
    auto decoded = tokenizer_->Decode(ids);
    ASSERT_TRUE(decoded.ok());
    EXPECT_TRUE(DecodeUtf8(*decoded).ok());
  }
}

TEST_F(Gpt2TokenizerTest, OutOfRangeIdsAreAnError) {
  for (int32_t bad : {-1, 50257, 1 << 30}) {
    auto decoded = tokenizer_->Decode(std::vector<int32_t>{464, bad});
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find(std::to_string(bad)), std::string::npos);
  }
}

TEST_F(Gpt2TokenizerTest, NonUtf8InputIsAnError) {
  auto ids = tokenizer_->Encode("caf\xe9");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(Gpt2TokenizerTest, EncodeDecodeRoundTripsValidText) {
  const std::string text = "A red circle\ton a  blue background.\n\n’Tis 3.14 ☺ 😀";
  auto ids = tokenizer_->Encode(text);
  ASSERT_TRUE(ids.ok());
  auto decoded = tokenizer_->Decode(*ids);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, text);
}

TEST_F(Gpt2TokenizerTest, LongRunsRoundTrip) {
  for (const std::string& text : {std::string(100000, ' ') + "a", std::string(100000, 'a'),
                                  std::string(50000, '\n') + "x" + std::string(50000, '!')}) {
    auto ids = tokenizer_->Encode(text);
    ASSERT_TRUE(ids.ok());
    auto decoded = tokenizer_->Decode(*ids);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, text);
  }
}

TEST(Gpt2TokenizerLoadTest, MissingFilesAreNamed) {
  auto loaded = Gpt2Tokenizer::Load("missing/encoder.json", VocabPath("vocab.bpe"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("missing/encoder.json"), std::string::npos);
}

TEST(Gpt2TokenizerLoadTest, SwappedFilesAreDataLoss) {
  auto loaded = Gpt2Tokenizer::Load(VocabPath("vocab.bpe"), VocabPath("encoder.json"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace clipglass::tokenizers
