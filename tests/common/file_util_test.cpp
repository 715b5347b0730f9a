#include "common/file_util.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace clipglass {
namespace {

TEST(FileUtilTest, AtomicWriteThenRead) {
  const auto dir = std::filesystem::temp_directory_path() / "clipglass_file_util_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "a.txt").string();
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  StatusOr<std::string> read = ReadFileToString(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "second");
  // No temporary file is left beside it.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files += entry.is_regular_file();
  EXPECT_EQ(files, 1);
  std::filesystem::remove_all(dir);
}

TEST(FileUtilTest, MissingFileNamesThePath) {
  StatusOr<std::string> read = ReadFileToString("/nonexistent/clipglass/x.yaml");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("/nonexistent/clipglass/x.yaml"), std::string::npos);
}

}  // namespace
}  // namespace clipglass
