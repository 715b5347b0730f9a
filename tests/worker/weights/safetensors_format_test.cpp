// The safetensors parser without LibTorch: the fixtures parse, and every crafted corruption gets
// one DataLoss error naming the file and the offending key.
#include "worker/weights/safetensors_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "common/file_util.h"
#include "tests/testing/temp_dir.h"

namespace clipglass::weights {
namespace {

std::string Fixture(const std::string& relative) {
  return std::string(CLIPGLASS_TEST_DATA_DIR) + "/reference/" + relative;
}

// A file image from a header text and a data area, with the length prefix written by hand.
std::string MakeFile(const std::string& json, const std::string& data) {
  std::string out;
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + json + data;
}

TEST(SafetensorsFormatTest, ParsesEveryFixture) {
  const char* files[] = {
      "clip/weights.safetensors",        "clip/inputs.safetensors",
      "clip/outputs.safetensors",        "gpt2/weights.safetensors",
      "gpt2/inputs.safetensors",         "gpt2/outputs.safetensors",
      "stylegan2/G_weights.safetensors", "stylegan2/D_weights.safetensors",
      "stylegan2/inputs.safetensors",    "stylegan2/outputs.safetensors",
      "biggan/weights.safetensors",      "biggan/inputs.safetensors",
      "biggan/outputs.safetensors",
  };
  for (const char* file : files) {
    SCOPED_TRACE(file);
    auto bytes = ReadFileToString(Fixture(file));
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto header = ParseSafetensors(*bytes, file);
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    EXPECT_FALSE(header->entries.empty());
    EXPECT_EQ(header->data_offset % 8, 0u);
    EXPECT_EQ(header->metadata.at("format"), "pt");
  }
}

TEST(SafetensorsFormatTest, ClipFixtureHasExpectedEntries) {
  auto bytes = ReadFileToString(Fixture("clip/weights.safetensors"));
  ASSERT_TRUE(bytes.ok());
  auto header = ParseSafetensors(*bytes, "clip");
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  int f16 = 0, i64 = 0;
  bool saw_logit_scale = false;
  for (const SafetensorsEntry& e : header->entries) {
    f16 += e.dtype == SafetensorsDtype::kF16;
    i64 += e.dtype == SafetensorsDtype::kI64;
    if (e.name == "logit_scale") {
      saw_logit_scale = true;
      EXPECT_TRUE(e.shape.empty());  // 0-d
      EXPECT_EQ(e.end - e.begin, 2u);
    }
  }
  EXPECT_TRUE(saw_logit_scale);
  EXPECT_EQ(i64, 3);  // input_resolution, context_length, vocab_size
  EXPECT_EQ(f16 + i64, static_cast<int>(header->entries.size()));
}

TEST(SafetensorsFormatTest, SerializeRoundTrip) {
  const float f[3] = {1.5f, -2.0f, 3.25f};
  const int64_t l[2] = {7, -9};
  const uint16_t h[1] = {0x3c00};
  std::vector<SafetensorsBlob> blobs = {
      {"a.half", SafetensorsDtype::kF16, {}, {reinterpret_cast<const char*>(h), 2}},
      {"b.float", SafetensorsDtype::kF32, {3}, {reinterpret_cast<const char*>(f), 12}},
      {"c.long", SafetensorsDtype::kI64, {2, 1}, {reinterpret_cast<const char*>(l), 16}},
      {"d.empty", SafetensorsDtype::kF32, {0, 4}, {}},
  };
  auto image = SerializeSafetensors(blobs, {{"format", "pt"}, {"note", "caf\xc3\xa9"}});
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  auto header = ParseSafetensors(*image, "roundtrip");
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->data_offset % 8, 0u);
  EXPECT_EQ(header->metadata.at("note"), "caf\xc3\xa9");
  ASSERT_EQ(header->entries.size(), 4u);
  // Largest element size first, so every tensor is naturally aligned.
  EXPECT_EQ(header->entries[0].name, "c.long");
  for (const SafetensorsEntry& e : header->entries) {
    EXPECT_EQ((header->data_offset + e.begin) % SafetensorsDtypeSize(e.dtype), 0u) << e.name;
    for (const SafetensorsBlob& b : blobs) {
      if (b.name != e.name) continue;
      EXPECT_EQ(e.dtype, b.dtype);
      EXPECT_EQ(e.shape, b.shape);
      EXPECT_EQ(image->substr(header->data_offset + e.begin, e.end - e.begin), b.bytes);
    }
  }
}

TEST(SafetensorsFormatTest, SerializeRejectsBadInput) {
  const float f[2] = {1, 2};
  const std::string_view bytes(reinterpret_cast<const char*>(f), 8);
  EXPECT_FALSE(SerializeSafetensors({{"x", SafetensorsDtype::kF32, {3}, bytes}}, {}).ok());
  EXPECT_FALSE(SerializeSafetensors({{"x", SafetensorsDtype::kF32, {2}, bytes},
                                     {"x", SafetensorsDtype::kF32, {2}, bytes}},
                                    {})
                   .ok());
  EXPECT_FALSE(SerializeSafetensors({{"", SafetensorsDtype::kF32, {2}, bytes}}, {}).ok());
  EXPECT_FALSE(
      SerializeSafetensors({{"__metadata__", SafetensorsDtype::kF32, {2}, bytes}}, {}).ok());
}

TEST(SafetensorsFormatTest, WriteFileIsReadable) {
  testing::TempDir dir("st_write");
  const std::string path = dir.File("w.safetensors");
  const int32_t v[4] = {1, 2, 3, 4};
  ASSERT_TRUE(
      WriteSafetensorsFile(
          path, {{"v", SafetensorsDtype::kI32, {2, 2}, {reinterpret_cast<const char*>(v), 16}}}, {})
          .ok());
  auto bytes = ReadFileToString(path);
  ASSERT_TRUE(bytes.ok());
  auto header = ParseSafetensors(*bytes, path);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->entries.at(0).shape, (std::vector<int64_t>{2, 2}));
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

struct BadCase {
  const char* name;
  std::string file;
  const char* key;       // must appear in the message ("" if none)
  const char* fragment;  // must appear in the message
};

std::vector<BadCase> BadCases() {
  const std::string d16(16, '\0');
  const auto ok_entry = [](const std::string& body) { return "{\"t\":" + body + "}"; };
  std::string huge_len(8, '\xff');
  return {
      {"Empty", "", "", "shorter than the 8-byte"},
      {"ShortLength", std::string("\x05\0\0", 3), "", "shorter than the 8-byte"},
      {"LengthPastEnd", MakeFile("{}", "").substr(0, 9), "", "exceeds the file size"},
      {"HugeLength", huge_len + "{}", "", "exceeds the file size"},
      {"NotJson", MakeFile("{\"t\":", d16), "", "not valid JSON"},
      {"TrailingGarbage", MakeFile("{} x", d16), "", "not valid JSON"},
      {"NotObject", MakeFile("[1,2]", d16), "", "does not start with '{'"},
      {"EntryNotObject", MakeFile(ok_entry("3"), d16), "'t'", "not a JSON object"},
      {"MissingDtype", MakeFile(ok_entry(R"({"shape":[4],"data_offsets":[0,16]})"), d16), "'t'",
       "missing \"dtype\""},
      {"MissingShape", MakeFile(ok_entry(R"({"dtype":"F32","data_offsets":[0,16]})"), d16), "'t'",
       "missing \"shape\""},
      {"MissingOffsets", MakeFile(ok_entry(R"({"dtype":"F32","shape":[4]})"), d16), "'t'",
       "missing \"data_offsets\""},
      {"DtypeNotString",
       MakeFile(ok_entry(R"({"dtype":4,"shape":[4],"data_offsets":[0,16]})"), d16), "'t'",
       "not a string"},
      {"UnknownDtype",
       MakeFile(ok_entry(R"({"dtype":"F8_E4M3","shape":[16],"data_offsets":[0,16]})"), d16), "'t'",
       "unsupported dtype 'F8_E4M3'"},
      {"ShapeNotArray",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":"4","data_offsets":[0,16]})"), d16), "'t'",
       "\"shape\" is not an array"},
      {"NegativeDim",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":[-4],"data_offsets":[0,16]})"), d16), "'t'",
       "non-negative integer"},
      {"FloatDim",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":[4.0],"data_offsets":[0,16]})"), d16), "'t'",
       "non-negative integer"},
      {"OffsetsWrongLength",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":[4],"data_offsets":[0,8,16]})"), d16), "'t'",
       "array of two integers"},
      {"OffsetsNotInts",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":[4],"data_offsets":["0",16]})"), d16), "'t'",
       "non-negative integers"},
      {"BeginAfterEnd",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":[0],"data_offsets":[16,0]})"), d16), "'t'",
       "begin > end"},
      {"EndPastData",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":[8],"data_offsets":[0,32]})"), d16), "'t'",
       "past the data area"},
      {"SpanMismatch",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":[3],"data_offsets":[0,16]})"), d16), "'t'",
       "does not match"},
      {"ShapeOverflow",
       MakeFile(
           ok_entry(
               R"({"dtype":"F32","shape":[4611686018427387904,4611686018427387904,4],"data_offsets":[0,16]})"),
           d16),
       "'t'", "does not match"},
      {"ElementBytesOverflow",
       MakeFile(ok_entry(R"({"dtype":"I64","shape":[2305843009213693952],"data_offsets":[0,0]})"),
                d16),
       "'t'", "does not match"},
      {"UnknownField",
       MakeFile(ok_entry(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16],"x":1})"), d16), "'t'",
       "unknown field 'x'"},
      {"Overlap",
       MakeFile(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                d16),
       "'b'", "overlaps tensor 'a'"},
      {"DuplicateKey",
       MakeFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                d16),
       "'a'", "duplicate key"},
      {"InvalidUtf8Key",
       MakeFile("{\"bad\xff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", d16), "",
       "not valid JSON"},
      {"NulInKey",
       MakeFile(R"({"a\u0000b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d16),
       "'a\\x00b'", "NUL"},
      {"MetadataNotObject", MakeFile(R"({"__metadata__":[1]})", d16), "__metadata__",
       "not an object"},
      {"MetadataValueNotString", MakeFile(R"({"__metadata__":{"seed":3}})", d16), "'seed'",
       "not a string"},
  };
}

class SafetensorsBadFileTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(SafetensorsBadFileTest, OneErrorNamingFileAndKey) {
  const BadCase& c = GetParam();
  auto header = ParseSafetensors(c.file, "bad.safetensors");
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().code(), StatusCode::kDataLoss);
  const std::string& m = header.status().message();
  EXPECT_EQ(m.rfind("bad.safetensors: ", 0), 0u) << m;
  EXPECT_NE(m.find(c.key), std::string::npos) << m;
  EXPECT_NE(m.find(c.fragment), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

INSTANTIATE_TEST_SUITE_P(Cases, SafetensorsBadFileTest, ::testing::ValuesIn(BadCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SafetensorsFormatTest, AcceptsZeroSizedAndScalarTensors) {
  const std::string file =
      MakeFile(R"({"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},)"
               R"("s":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]},"__metadata__":{}})",
               std::string(4, '\1'));
  auto header = ParseSafetensors(file, "ok");
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->entries.size(), 2u);
}

TEST(SafetensorsFormatTest, DtypeNamesRoundTrip) {
  for (const char* name : {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"}) {
    auto dtype = ParseSafetensorsDtype(name);
    ASSERT_TRUE(dtype.has_value()) << name;
    EXPECT_STREQ(SafetensorsDtypeName(*dtype), name);
  }
  EXPECT_FALSE(ParseSafetensorsDtype("f32").has_value());
}

}  // namespace
}  // namespace clipglass::weights
