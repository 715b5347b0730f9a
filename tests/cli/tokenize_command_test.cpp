// `clipglass tokenize`: the built binary against the golden tokenizer fixtures.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/testing/run_command.h"

namespace {

// One shell word for any text (fixture texts hold single quotes; tests/testing's Quote does not
// take them).
std::string Quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

using clipglass::test_support::CommandResult;
using clipglass::test_support::RunClipglass;

nlohmann::json Fixture(const std::string& name) {
  std::ifstream in(std::string(CLIPGLASS_TEST_DATA_DIR) + "/reference/tokenizers/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return nlohmann::json::parse(buffer.str());
}

const nlohmann::json& Case(const nlohmann::json& cases, const std::string& id) {
  for (const auto& c : cases) {
    if (c["id"] == id) return c;
  }
  ADD_FAILURE() << "no fixture case " << id;
  return cases[0];
}

TEST(TokenizeCommandTest, ClipPrintsOneUnpaddedRowPerText) {
  const nlohmann::json fixture = Fixture("clip_cases.json");
  const auto& face = Case(fixture["cases"], "paper_caption_face");
  const auto& mojibake = Case(fixture["cases"], "mojibake");
  const CommandResult r =
      RunClipglass("tokenize clip " + Quote(face["text"]) + " " + Quote(mojibake["text"]));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json printed = nlohmann::json::parse(r.out);
  ASSERT_EQ(printed.size(), 2u);
  EXPECT_EQ(printed[0], face["ids_with_sot_eot"]);
  EXPECT_EQ(printed[1], mojibake["ids_with_sot_eot"]);
}

TEST(TokenizeCommandTest, ClipTruncatesWithAWarningUnlessStrict) {
  const nlohmann::json fixture = Fixture("clip_cases.json");
  const auto& long_case = Case(fixture["cases"], "one_too_long_78");
  const CommandResult cut = RunClipglass("tokenize clip " + Quote(long_case["text"]));
  ASSERT_EQ(cut.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(cut.out)[0], long_case["truncated_77_newer_openai_clip"]);
  EXPECT_NE(cut.err.find("truncated"), std::string::npos) << cut.err;

  const CommandResult strict = RunClipglass("tokenize clip --strict " + Quote(long_case["text"]));
  EXPECT_NE(strict.exit_code, 0);
}

TEST(TokenizeCommandTest, ClipDecodes) {
  const CommandResult r = RunClipglass("tokenize clip --decode '[518, 1710, 539]' '[320]'");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::array({"the face of ", "a "}));
}

TEST(TokenizeCommandTest, TextsThatLookLikeListsOrFlagsStayWhole) {
  const CommandResult r = RunClipglass("tokenize gpt2 '[a, b]' '-42 degrees'");
  ASSERT_EQ(r.exit_code, 0);
  const nlohmann::json printed = nlohmann::json::parse(r.out);
  ASSERT_EQ(printed.size(), 2u);
  const CommandResult back = RunClipglass("tokenize gpt2 --decode " + Quote(printed[0].dump()) +
                                          " " + Quote(printed[1].dump()));
  ASSERT_EQ(back.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(back.out), nlohmann::json::array({"[a, b]", "-42 degrees"}));
}

TEST(TokenizeCommandTest, Gpt2EncodesAndDecodes) {
  const nlohmann::json fixture = Fixture("gpt2_cases.json");
  const auto& words = Case(fixture["cases"], "contractions_upper_no_ignorecase");
  const CommandResult encoded = RunClipglass("tokenize gpt2 " + Quote(words["text"]));
  ASSERT_EQ(encoded.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(encoded.out)[0], words["ids"]);

  const auto& truncated = Case(fixture["decode_cases"], "truncated_emoji");
  const CommandResult decoded =
      RunClipglass("tokenize gpt2 --decode " + Quote(truncated["ids"].dump()) + " " +
                   Quote(words["ids"].dump()));
  ASSERT_EQ(decoded.exit_code, 0);
  const nlohmann::json texts = nlohmann::json::parse(decoded.out);
  EXPECT_EQ(texts[0], truncated["decoded"]);
  EXPECT_EQ(texts[1], words["text"]);
}

TEST(TokenizeCommandTest, BadInputFailsWithOneLine) {
  EXPECT_EQ(RunClipglass("tokenize gpt2 --decode 'not json'").exit_code, 2);
  EXPECT_EQ(RunClipglass("tokenize gpt2 --decode '[50257]'").exit_code, 2);
  EXPECT_NE(RunClipglass("tokenize gpt2 --vocab /nonexistent/encoder.json hello").exit_code, 0);
}

}  // namespace
