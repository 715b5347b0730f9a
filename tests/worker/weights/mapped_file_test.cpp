#include "worker/weights/mapped_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/file_util.h"
#include "tests/testing/temp_dir.h"

namespace clipglass::weights {
namespace {

TEST(MappedFileTest, MapsWholeFile) {
  const std::string path = std::string(CLIPGLASS_TEST_DATA_DIR) + "/reference/clip/config.json";
  auto expected = ReadFileToString(path);
  ASSERT_TRUE(expected.ok());
  auto file = MappedFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->view(), *expected);
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*file)->data()) % 4096, 0u);
}

TEST(MappedFileTest, MissingFileIsNotFoundNamingPath) {
  auto file = MappedFile::Open("no/such/dir/weights.safetensors");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
  EXPECT_NE(file.status().message().find("no/such/dir/weights.safetensors"), std::string::npos);
}

TEST(MappedFileTest, EmptyFileAndDirectory) {
  testing::TempDir dir("mapped_file");
  const std::string empty = dir.File("empty");
  ASSERT_TRUE(WriteFileAtomically(empty, "").ok());
  auto file = MappedFile::Open(empty);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->size(), 0u);
  EXPECT_FALSE(MappedFile::Open(dir.path().string()).ok());
}

}  // namespace
}  // namespace clipglass::weights
