// SHA-256 (FIPS 180-4), for content hashes that must not change between machines or versions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace clipglass::grid {

// Incremental hashing: Update() any number of times, then Finish() once.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view bytes);
  std::array<uint8_t, 32> Finish();

 private:
  void Compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lower-case hex digest of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex digest of a file's bytes, read in 1 MiB pieces; "" when it cannot be read.
std::string Sha256HexOfFile(const std::string& path);

}  // namespace clipglass::grid
