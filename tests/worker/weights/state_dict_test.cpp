// LoadStateDict on the fixtures (all three CLIP containers), StateDict helpers, SaveSafetensors,
// and the file-level errors.
#include "worker/weights/state_dict.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "common/file_util.h"
#include "tests/testing/temp_dir.h"
#include "worker/weights/safetensors_format.h"

namespace clipglass::weights {
namespace {

std::string Fixture(const std::string& relative) {
  return std::string(CLIPGLASS_TEST_DATA_DIR) + "/reference/" + relative;
}

StateDict MustLoad(const std::string& path, const LoadOptions& options = {}) {
  auto dict = LoadStateDict(path, options);
  EXPECT_TRUE(dict.ok()) << dict.status().ToString();
  return dict.ok() ? std::move(dict).value() : StateDict{};
}

TEST(LoadStateDictTest, LoadsEverySafetensorsFixture) {
  for (const char* file :
       {"clip/weights.safetensors", "gpt2/weights.safetensors", "stylegan2/G_weights.safetensors",
        "stylegan2/D_weights.safetensors", "biggan/weights.safetensors", "clip/inputs.safetensors",
        "gpt2/outputs.safetensors", "biggan/inputs.safetensors"}) {
    SCOPED_TRACE(file);
    StateDict dict = MustLoad(Fixture(file));
    EXPECT_EQ(dict.format, CheckpointFormat::kSafetensors);
    EXPECT_FALSE(dict.tensors.empty());
    EXPECT_EQ(dict.metadata.at("format"), "pt");
    for (const auto& [name, t] : dict.tensors) {
      EXPECT_TRUE(t.is_contiguous()) << name;
      EXPECT_TRUE(t.scalar_type() == at::kFloat || t.scalar_type() == at::kLong) << name;
    }
  }
}

TEST(LoadStateDictTest, ClipFixtureNamesShapesAndDtypes) {
  StateDict dict = MustLoad(Fixture("clip/weights.safetensors"));
  auto scale = dict.Get("logit_scale");
  ASSERT_TRUE(scale.ok());
  EXPECT_EQ(scale->dim(), 0);
  EXPECT_EQ(scale->scalar_type(), at::kFloat);  // fp16 on disk, float_dtype on load
  auto ctx = dict.Get("context_length");
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->scalar_type(), at::kLong);  // ints keep their dtype
  EXPECT_EQ(ctx->item<int64_t>(), 77);
  EXPECT_GT(dict.CountIndexed("visual.transformer.resblocks."), 0);
  EXPECT_EQ(dict.CountIndexed("visual.transformer.resblocks."),
            dict.CountIndexed("transformer.resblocks."));
  EXPECT_EQ(dict.CountIndexed("nothing."), 0);
  EXPECT_TRUE(dict.Has("visual.conv1.weight"));

  auto missing = dict.Get("visual.conv2.weight");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("visual.conv2.weight"), std::string::npos);
  EXPECT_NE(missing.status().message().find("weights.safetensors"), std::string::npos);

  LoadOptions half;
  half.float_dtype = at::kHalf;
  StateDict raw = MustLoad(Fixture("clip/weights.safetensors"), half);
  EXPECT_EQ(raw.tensors.at("visual.conv1.weight").scalar_type(), at::kHalf);
  EXPECT_TRUE(raw.tensors.at("visual.conv1.weight")
                  .to(at::kFloat)
                  .equal(dict.tensors.at("visual.conv1.weight")));
}

TEST(LoadStateDictTest, CountIndexedAndPrefixRemoval) {
  StateDict dict;
  dict.source = "x";
  for (const char* k : {"h.0.a", "h.1.a", "h.1.b", "h.3.a", "h.10x", "wte.weight"}) {
    dict.tensors[k] = torch::zeros({1});
  }
  EXPECT_EQ(dict.CountIndexed("h."), 2);  // 0, 1; gap at 2
  StateDict h = dict.WithPrefixRemoved("h.1.");
  EXPECT_EQ(h.tensors.size(), 2u);
  EXPECT_TRUE(h.Has("a") && h.Has("b"));
  EXPECT_EQ(h.source, "x");
  EXPECT_TRUE(dict.WithPrefixRemoved("zzz.").tensors.empty());
}

TEST(LoadStateDictTest, F32FileIsZeroCopy) {
  // Zero-copy: two tensors of one load sit as far apart in memory as in the file.
  const std::string path = Fixture("gpt2/weights.safetensors");
  auto bytes = ReadFileToString(path);
  ASSERT_TRUE(bytes.ok());
  auto header = ParseSafetensors(*bytes, path);
  ASSERT_TRUE(header.ok());
  StateDict a = MustLoad(path);
  const SafetensorsEntry& first = header->entries.front();
  const SafetensorsEntry& last = header->entries.back();
  ASSERT_EQ(first.dtype, SafetensorsDtype::kF32);
  const auto* p0 = static_cast<const char*>(a.tensors.at(first.name).data_ptr());
  const auto* p1 = static_cast<const char*>(a.tensors.at(last.name).data_ptr());
  EXPECT_EQ(p1 - p0, static_cast<ptrdiff_t>(last.begin - first.begin));

  // The mapping is private: writing into a tensor touches neither the file nor another load.
  StateDict b = MustLoad(path);
  const float before = b.tensors.at(first.name).flatten()[0].item<float>();
  a.tensors.at(first.name).fill_(123.0f);
  EXPECT_EQ(b.tensors.at(first.name).flatten()[0].item<float>(), before);
  EXPECT_EQ(MustLoad(path).tensors.at(first.name).flatten()[0].item<float>(), before);
}

TEST(LoadStateDictTest, MisalignedDataIsCopiedNotAliased) {
  // Another writer's layout: a 1-byte tensor first puts the F32 and I64 data off alignment.
  testing::TempDir dir("misaligned");
  std::string json = R"({"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                     R"("f":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},)"
                     R"("i":{"dtype":"I64","shape":[1],"data_offsets":[9,17]}})";
  while ((8 + json.size()) % 8 != 0) json += ' ';
  std::string file;
  for (int k = 0; k < 8; ++k) file.push_back(static_cast<char>((json.size() >> (8 * k)) & 0xff));
  file += json;
  const float f[2] = {1.5f, -3.0f};
  const int64_t i = -1234567890123;
  file.push_back('\x2a');
  file.append(reinterpret_cast<const char*>(f), sizeof(f));
  file.append(reinterpret_cast<const char*>(&i), sizeof(i));
  const std::string path = dir.File("misaligned.safetensors");
  ASSERT_TRUE(WriteFileAtomically(path, file).ok());

  StateDict dict = MustLoad(path);
  const at::Tensor& ft = dict.tensors.at("f");
  const at::Tensor& it = dict.tensors.at("i");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(ft.data_ptr()) % alignof(float), 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(it.data_ptr()) % alignof(int64_t), 0u);
  EXPECT_TRUE(ft.equal(torch::tensor({1.5f, -3.0f})));
  EXPECT_EQ(it.item<int64_t>(), i);
  EXPECT_EQ(dict.tensors.at("b").item<uint8_t>(), 0x2a);
}

TEST(LoadStateDictTest, TensorsOutliveTheStateDict) {
  at::Tensor kept;
  at::Tensor copy;
  {
    StateDict dict = MustLoad(Fixture("stylegan2/G_weights.safetensors"));
    kept = dict.tensors.at("mapping.w_avg");
    copy = kept.clone();
  }
  EXPECT_TRUE(kept.equal(copy));
}

TEST(SaveSafetensorsTest, RoundTripAllDtypes) {
  testing::TempDir dir("save_st");
  torch::manual_seed(3);
  std::map<std::string, at::Tensor> tensors = {
      {"f64", torch::randn({2, 3}, torch::kDouble)},
      {"f32", torch::randn({4})},
      {"f16", torch::randn({3, 1}).to(torch::kHalf)},
      {"bf16", torch::randn({5}).to(torch::kBFloat16)},
      {"i64", torch::arange(6, torch::kLong).reshape({2, 3})},
      {"i32", torch::arange(3, torch::kInt)},
      {"i16", torch::arange(3, torch::kShort)},
      {"i8", torch::arange(-2, 2, torch::kChar)},
      {"u8", torch::arange(4, torch::kByte)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(2.5)},
      {"empty", torch::zeros({0, 7})},
      {"strided", torch::randn({4, 6}).t()},  // non-contiguous input
  };
  const std::string path = dir.File("all.safetensors");
  ASSERT_TRUE(SaveSafetensors(path, tensors, {{"format", "pt"}, {"model", "test"}}).ok());
  LoadOptions keep_dtypes;
  keep_dtypes.float_dtype = at::kDouble;
  StateDict back = MustLoad(path, keep_dtypes);
  EXPECT_EQ(back.metadata.at("model"), "test");
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    const at::Tensor& r = back.tensors.at(name);
    EXPECT_EQ(r.sizes(), t.sizes());
    if (at::isFloatingType(t.scalar_type())) {
      EXPECT_EQ(r.scalar_type(), at::kDouble);
      EXPECT_TRUE(r.equal(t.to(at::kDouble)));
    } else {
      EXPECT_EQ(r.scalar_type(), t.scalar_type());
      EXPECT_TRUE(r.equal(t));
    }
  }
}

TEST(SaveSafetensorsTest, ResavingAFixtureKeepsEveryTensor) {
  testing::TempDir dir("resave");
  LoadOptions half;
  half.float_dtype = at::kHalf;
  StateDict dict = MustLoad(Fixture("clip/weights.safetensors"), half);
  const std::string path = dir.File("clip.safetensors");
  ASSERT_TRUE(SaveSafetensors(path, dict.tensors, dict.metadata).ok());
  StateDict back = MustLoad(path, half);
  EXPECT_EQ(back.metadata, dict.metadata);
  ASSERT_EQ(back.tensors.size(), dict.tensors.size());
  for (const auto& [name, t] : dict.tensors) {
    EXPECT_TRUE(back.tensors.at(name).equal(t)) << name;
  }
}

TEST(SaveSafetensorsTest, RejectsUnsupportedDtypeWithoutWriting) {
  testing::TempDir dir("save_bad");
  const std::string path = dir.File("x.safetensors");
  Status s = SaveSafetensors(path, {{"c", torch::zeros({2}, torch::kComplexFloat)}});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'c'"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(LoadStateDictTest, MissingFileIsNotFound) {
  auto dict = LoadStateDict("does/not/exist.safetensors");
  ASSERT_FALSE(dict.ok());
  EXPECT_EQ(dict.status().code(), StatusCode::kNotFound);
  EXPECT_NE(dict.status().message().find("does/not/exist.safetensors"), std::string::npos);
}

TEST(LoadStateDictTest, CorruptFileNamesFileAndKey) {
  testing::TempDir dir("corrupt");
  // Take a real file and make one entry's span too short for its shape.
  auto bytes = ReadFileToString(Fixture("stylegan2/G_weights.safetensors"));
  ASSERT_TRUE(bytes.ok());
  const std::string key = "\"mapping.w_avg\"";
  const size_t at = bytes->find(key);
  ASSERT_NE(at, std::string::npos);
  const size_t shape = bytes->find("\"shape\":", at);
  ASSERT_NE(shape, std::string::npos);
  const size_t open = bytes->find('[', shape);
  (*bytes)[open + 1] = (*bytes)[open + 1] == '9' ? '8' : '9';  // change the first dimension
  const std::string path = dir.File("bad.bin");                // the extension means nothing
  ASSERT_TRUE(WriteFileAtomically(path, *bytes).ok());
  auto dict = LoadStateDict(path);
  ASSERT_FALSE(dict.ok());
  EXPECT_EQ(dict.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(dict.status().message().find(path), std::string::npos);
  EXPECT_NE(dict.status().message().find("mapping.w_avg"), std::string::npos)
      << dict.status().message();

  // Truncated: the header claims more than the file holds.
  ASSERT_TRUE(WriteFileAtomically(path, bytes->substr(0, 8 + 100)).ok());
  dict = LoadStateDict(path);
  ASSERT_FALSE(dict.ok());
  EXPECT_EQ(dict.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(dict.status().message().find(path), std::string::npos);
  EXPECT_NE(dict.status().message().find("exceeds the file size"), std::string::npos)
      << dict.status().message();
}

TEST(LoadStateDictTest, UnknownAndLegacyFormatsAreRejected) {
  testing::TempDir dir("formats");
  const std::string text = dir.File("weights.safetensors");
  ASSERT_TRUE(WriteFileAtomically(text, "hello, not a checkpoint").ok());
  auto dict = LoadStateDict(text);
  ASSERT_FALSE(dict.ok());
  EXPECT_EQ(dict.status().code(), StatusCode::kInvalidArgument);

  // A legacy torch.save file starts with pickle protocol 2 and the magic number as a LONG1.
  const std::string legacy = dir.File("pytorch_model.bin");
  ASSERT_TRUE(WriteFileAtomically(legacy, std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20"
                                                      "\x6a\xa8\x50\x19.",
                                                      15))
                  .ok());
  dict = LoadStateDict(legacy);
  ASSERT_FALSE(dict.ok());
  EXPECT_NE(dict.status().message().find("convert_to_safetensors.py"), std::string::npos)
      << dict.status().message();
}

TEST(LoadStateDictTest, SubDictSelectsPrefixInSafetensors) {
  testing::TempDir dir("subdict");
  const std::string path = dir.File("sg2.safetensors");
  ASSERT_TRUE(SaveSafetensors(path, {{"G_ema.mapping.w_avg", torch::ones({3})},
                                     {"D.b4.out.bias", torch::zeros({1})}})
                  .ok());
  LoadOptions g;
  g.sub_dict = "G_ema";
  StateDict dict = MustLoad(path, g);
  ASSERT_EQ(dict.tensors.size(), 1u);
  EXPECT_TRUE(dict.Has("mapping.w_avg"));
  g.sub_dict = "G";
  auto none = LoadStateDict(path, g);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("'G.'"), std::string::npos);
}

}  // namespace
}  // namespace clipglass::weights
