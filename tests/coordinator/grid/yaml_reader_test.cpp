#include "coordinator/grid/yaml_reader.h"

#include <gtest/gtest.h>

namespace clipglass::grid::internal {
namespace {

YamlDocument MustParse(const std::string& text) {
  StatusOr<YamlDocument> doc = YamlDocument::Parse("t.yaml", text);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return std::move(doc).value();
}

TEST(YamlReaderTest, ReadsStrictScalars) {
  const YamlDocument doc = MustParse("i: 42\nn: -3\nd: 0.005\nb: true\ns: hello\ne: 1e3\n");
  StatusOr<MapReader> map = MapReader::Open(doc, doc.root(), "m", {"i", "n", "d", "b", "s", "e"});
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  int64_t i = 0, n = 0;
  double d = 0, e = 0;
  bool b = false;
  std::string s;
  ASSERT_TRUE(map->ReadInt("i", &i).ok());
  ASSERT_TRUE(map->ReadInt("n", &n).ok());
  ASSERT_TRUE(map->ReadDouble("d", &d).ok());
  ASSERT_TRUE(map->ReadDouble("e", &e).ok());
  ASSERT_TRUE(map->ReadBool("b", &b).ok());
  ASSERT_TRUE(map->ReadString("s", &s).ok());
  EXPECT_EQ(i, 42);
  EXPECT_EQ(n, -3);
  EXPECT_EQ(d, 0.005);
  EXPECT_EQ(e, 1000.0);
  EXPECT_TRUE(b);
  EXPECT_EQ(s, "hello");
  // Absent keys leave the value alone.
  int64_t untouched = 7;
  ASSERT_TRUE(map->ReadInt("missing", &untouched).ok());
  EXPECT_EQ(untouched, 7);
}

TEST(YamlReaderTest, RejectsLooseScalarsWithTheirLocation) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"v: 1.5\n", "t.yaml:1:4: 'v' must be an integer, got '1.5'"},
      {"v: '16'\n", "t.yaml:1:4: 'v' must be an integer, got the string \"16\""},
      {"v: [1]\n", "t.yaml:1:4: 'v' must be an integer, got a list"},
      {"v:\n", "t.yaml:1:1: 'v' must be an integer, got nothing"},
      {"v: 0x10\n", "t.yaml:1:4: 'v' must be an integer, got '0x10'"},
      {"v: 99999999999999999999\n", "t.yaml:1:4: 'v' is out of range: 99999999999999999999"},
  };
  for (const Case& c : cases) {
    const YamlDocument doc = MustParse(c.text);
    StatusOr<MapReader> map = MapReader::Open(doc, doc.root(), "m", {"v"});
    ASSERT_TRUE(map.ok());
    int64_t v = 0;
    const Status s = map->ReadInt("v", &v);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), c.expected) << c.text;
  }
  const YamlDocument doc = MustParse("b: yes\nd: nan\n");
  StatusOr<MapReader> map = MapReader::Open(doc, doc.root(), "m", {"b", "d"});
  ASSERT_TRUE(map.ok());
  bool b = false;
  double d = 0;
  EXPECT_EQ(map->ReadBool("b", &b).message(), "t.yaml:1:4: 'b' must be true or false, got 'yes'");
  EXPECT_EQ(map->ReadDouble("d", &d).message(), "t.yaml:2:4: 'd' must be a number, got 'nan'");
}

TEST(YamlReaderTest, RejectsUnknownAndDuplicateKeys) {
  const YamlDocument doc = MustParse("alpha: 1\nbetta: 2\n");
  StatusOr<MapReader> map = MapReader::Open(doc, doc.root(), "the thing", {"alpha", "beta"});
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.status().message(),
            "t.yaml:2:1: unknown key 'betta' in the thing (did you mean 'beta'?)");

  const YamlDocument far = MustParse("zzzzzz: 1\n");
  map = MapReader::Open(far, far.root(), "the thing", {"alpha", "beta"});
  EXPECT_EQ(map.status().message(),
            "t.yaml:1:1: unknown key 'zzzzzz' in the thing (known keys: alpha, beta)");

  const YamlDocument dup = MustParse("alpha: 1\nalpha: 2\n");
  map = MapReader::Open(dup, dup.root(), "the thing", {"alpha"});
  EXPECT_EQ(map.status().message(),
            "t.yaml:2:1: duplicate key 'alpha' in the thing (first at line 1)");
}

TEST(YamlReaderTest, SyntaxErrorsCarryTheMark) {
  StatusOr<YamlDocument> doc = YamlDocument::Parse("t.yaml", "a: [1, 2\nb: 3\n");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(doc.status().message().rfind("t.yaml:", 0), 0u) << doc.status().message();
  EXPECT_NE(doc.status().message().find("YAML syntax error"), std::string::npos);
}

TEST(YamlReaderTest, EnumsListTheirNames) {
  enum class Color { kRed, kGreen };
  static constexpr EnumName<Color> kColors[] = {{"red", Color::kRed}, {"green", Color::kGreen}};
  const YamlDocument doc = MustParse("c: gren\n");
  StatusOr<MapReader> map = MapReader::Open(doc, doc.root(), "m", {"c"});
  ASSERT_TRUE(map.ok());
  Color c = Color::kRed;
  EXPECT_EQ(map->ReadEnum<Color>("c", kColors, &c).message(),
            "t.yaml:1:4: 'c' must be one of red, green, got 'gren' (did you mean 'green'?)");
}

}  // namespace
}  // namespace clipglass::grid::internal
