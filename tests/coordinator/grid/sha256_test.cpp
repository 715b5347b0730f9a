#include "coordinator/grid/sha256.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace clipglass::grid {
namespace {

// FIPS 180-4 / NIST example vectors.
TEST(Sha256Test, MatchesTheStandardVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, IncrementalUpdatesEqualOneShot) {
  const std::string text =
      "a caption long enough to cross the 64-byte block boundary, twice over!!";
  for (size_t split = 0; split <= text.size(); split += 7) {
    Sha256 hasher;
    hasher.Update(std::string_view(text).substr(0, split));
    hasher.Update(std::string_view(text).substr(split));
    const auto digest = hasher.Finish();
    std::string hex;
    for (uint8_t b : digest) {
      hex += "0123456789abcdef"[b >> 4];
      hex += "0123456789abcdef"[b & 15];
    }
    EXPECT_EQ(hex, Sha256Hex(text)) << "split at " << split;
  }
}

TEST(Sha256Test, FileDigestEqualsTheDigestOfItsBytesAcrossPieces) {
  // 2.5 MiB: the file is read in 1 MiB pieces, so this crosses two piece boundaries.
  std::string bytes(5 << 19, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 131 + 7) % 251);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("sha256_test_" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(Sha256HexOfFile(path.string()), Sha256Hex(bytes));
  std::filesystem::remove(path);
  EXPECT_EQ(Sha256HexOfFile(path.string()), "");
}

}  // namespace
}  // namespace clipglass::grid
