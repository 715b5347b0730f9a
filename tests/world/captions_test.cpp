#include "world/captions.h"

#include <gtest/gtest.h>

#include <set>

namespace clipglass::world {
namespace {

TEST(CaptionsTest, EveryTemplateOfEveryCombinationParsesBack) {
  for (int i = 0; i < kNumCombinations; ++i) {
    const Attributes a = CombinationAt(i);
    for (int t = 0; t < kNumTemplates; ++t) {
      const std::string caption = Caption(a, t);
      const ParsedCaption parsed = ParseCaption(caption);
      EXPECT_TRUE(parsed.Matches(a)) << "'" << caption << "' (combination " << i << ")";
      EXPECT_EQ(parsed.CountCorrect(a), 4) << caption;
    }
  }
}

TEST(CaptionsTest, TemplatesAreDistinctAndNameEveryAttribute) {
  const Attributes a{Shape::kTriangle, Colour::kYellow, Colour::kBlack, Size::kSmall};
  std::set<std::string> seen;
  for (int t = 0; t < kNumTemplates; ++t) {
    const std::string caption = Caption(a, t);
    EXPECT_TRUE(seen.insert(caption).second) << caption;
    for (const char* word : {"triangle", "yellow", "black", "small"}) {
      EXPECT_NE(caption.find(word), std::string::npos) << caption << " lacks " << word;
    }
  }
  EXPECT_EQ(Caption(a, 0), "a small yellow triangle on a black background");
  EXPECT_EQ(Caption(a, kNumTemplates), Caption(a, 0));
  EXPECT_EQ(Caption(a, -1), Caption(a, kNumTemplates - 1));
}

TEST(CaptionsTest, LooseTextParses) {
  ParsedCaption p = ParseCaption("A BIG Blue Square, on white!");
  EXPECT_EQ(p.shape, Shape::kSquare);
  EXPECT_EQ(p.colour, Colour::kBlue);
  EXPECT_EQ(p.background, Colour::kWhite);
  EXPECT_EQ(p.size, Size::kLarge);

  p = ParseCaption("the picture of a tiny black diamond against yellow");
  EXPECT_EQ(p.shape, Shape::kDiamond);
  EXPECT_EQ(p.colour, Colour::kBlack);
  EXPECT_EQ(p.background, Colour::kYellow);
  EXPECT_EQ(p.size, Size::kSmall);
}

TEST(CaptionsTest, MissingAttributesStayAbsent) {
  const ParsedCaption p = ParseCaption("the picture of a red circle");
  EXPECT_EQ(p.shape, Shape::kCircle);
  EXPECT_EQ(p.colour, Colour::kRed);
  EXPECT_FALSE(p.background.has_value());
  EXPECT_FALSE(p.size.has_value());
  const Attributes truth{Shape::kCircle, Colour::kRed, Colour::kBlue, Size::kLarge};
  EXPECT_EQ(p.CountCorrect(truth), 2);
  EXPECT_FALSE(p.Matches(truth));

  const ParsedCaption none = ParseCaption("the picture of the sea at night");
  EXPECT_FALSE(none.shape.has_value());
  EXPECT_FALSE(none.colour.has_value());
  EXPECT_EQ(none.CountCorrect(truth), 0);
}

TEST(CaptionsTest, WrongAttributesCount) {
  const Attributes truth{Shape::kCircle, Colour::kRed, Colour::kBlue, Size::kLarge};
  const ParsedCaption p = ParseCaption("a large green circle on a blue background");
  EXPECT_EQ(p.CountCorrect(truth), 3);
  EXPECT_FALSE(p.Matches(truth));
}

}  // namespace
}  // namespace clipglass::world
