// `clipglass world render|parse`: the built binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/png_codec.h"
#include "tests/testing/run_command.h"
#include "world/dataset.h"
#include "world/render.h"

namespace clipglass::world {
namespace {

using Result = test_support::CommandResult;

// `clipglass <args>` with stderr merged into stdout.
Result RunClipglass(const std::string& args) {
  return test_support::RunCommand(test_support::ClipglassCommand(args), /*merge_stderr=*/true);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(WorldCommandTest, RenderWritesTheSplitsExamplesAndTheirCaptions) {
  const auto dir = std::filesystem::temp_directory_path() / "clipglass_world_command_test";
  std::filesystem::remove_all(dir);
  const Result r = RunClipglass(
      "world render --split heldout --seed 3 --first 5 --count 4 --side 24 --out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  StatusOr<std::string> tsv = ReadFileToString((dir / "captions.tsv").string());
  ASSERT_TRUE(tsv.ok()) << tsv.status().message();
  const std::vector<std::string> lines = Lines(*tsv);
  ASSERT_EQ(lines.size(), 5u) << *tsv;
  EXPECT_EQ(lines[0], "file\tcaption\tshape\tcolour\tbackground\tsize");
  for (int i = 0; i < 4; ++i) {
    const Example example = SampleExample(Split::kHeldOut, 3, 5 + i);
    const std::string name = "heldout_s3_00000" + std::to_string(5 + i) + ".png";
    const Attributes& a = example.scene.attributes;
    EXPECT_EQ(lines[i + 1], name + "\t" + example.caption + "\t" + std::string(ShapeName(a.shape)) +
                                "\t" + std::string(ColourName(a.colour)) + "\t" +
                                std::string(ColourName(a.background)) + "\t" +
                                std::string(SizeName(a.size)));
    StatusOr<std::string> bytes = ReadFileToString((dir / name).string());
    ASSERT_TRUE(bytes.ok()) << name;
    StatusOr<RgbImage> image = DecodePng(*bytes, name);
    ASSERT_TRUE(image.ok()) << image.status().message();
    EXPECT_EQ(image->rgb, RenderScene(example.scene, 24).rgb) << name;
  }
  std::filesystem::remove_all(dir);
}

TEST(WorldCommandTest, BadSplitIsOneLineError) {
  const Result r = RunClipglass("world render --split test --out /tmp/unused_clipglass_world");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--split must be train or heldout"), std::string::npos) << r.out;
}

TEST(WorldCommandTest, ParsePrintsEachCaptionsAttributes) {
  const Result r = RunClipglass(
      "world parse 'a photo of a large white diamond against green' 'the picture of a red circle'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], "shape=diamond colour=white background=green size=large");
  EXPECT_EQ(lines[1], "shape=circle colour=red background=- size=-");
}

}  // namespace
}  // namespace clipglass::world
