// Shared helpers of the tokenizer tests: the golden fixture files and the shipped vocabularies.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace clipglass::tokenizers::testing {

inline std::string VocabPath(const std::string& name) {
  return std::string(CLIPGLASS_SOURCE_DIR) + "/worker/tokenizers/vocab/" + name;
}

inline nlohmann::json LoadFixture(const std::string& name) {
  const std::string path = std::string(CLIPGLASS_TEST_DATA_DIR) + "/reference/tokenizers/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return nlohmann::json::parse(buffer.str());
}

// The exact input bytes of a case (its text_utf8_hex).
inline std::string HexBytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::vector<int32_t> Ids(const nlohmann::json& array) {
  return array.get<std::vector<int32_t>>();
}

}  // namespace clipglass::tokenizers::testing
