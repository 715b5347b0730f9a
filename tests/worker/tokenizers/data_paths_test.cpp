#include "common/data_paths.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace clipglass {
namespace {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { had_ ? (void)::setenv(name_, old_.c_str(), 1) : (void)::unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(FindDataFileTest, DataDirComesFirst) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("clipglass_data_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "worker" / "tokenizers" / "vocab");
  std::ofstream(dir / "worker" / "tokenizers" / "vocab" / "encoder.json") << "{}";
  {
    ScopedEnv env("CLIPGLASS_DATA_DIR", dir.string());
    auto found = FindDataFile("worker/tokenizers/vocab/encoder.json");
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(std::filesystem::path(*found), (dir / "worker/tokenizers/vocab/encoder.json"));
  }
  std::filesystem::remove_all(dir);
}

TEST(FindDataFileTest, CurrentDirectoryIsTheLastResort) {
  const std::filesystem::path old = std::filesystem::current_path();
  std::filesystem::current_path(CLIPGLASS_SOURCE_DIR);
  ScopedEnv env("CLIPGLASS_DATA_DIR", "");
  auto found = FindDataFile("worker/tokenizers/vocab/vocab.bpe");
  std::filesystem::current_path(old);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(CLIPGLASS_SOURCE_DIR) / *found) ||
              std::filesystem::exists(*found));
}

TEST(FindDataFileTest, NotFoundListsWhereItLooked) {
  ScopedEnv env("CLIPGLASS_DATA_DIR", "/nonexistent-clipglass-dir");
  auto found = FindDataFile("no/such/file.bin");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kNotFound);
  EXPECT_NE(found.status().message().find("/nonexistent-clipglass-dir/no/such/file.bin"),
            std::string::npos);
  EXPECT_NE(found.status().message().find("no/such/file.bin"), std::string::npos);
}

}  // namespace
}  // namespace clipglass
