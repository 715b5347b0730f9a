// Zip checkpoints and TorchScript archives: the three CLIP fixture copies agree tensor for
// tensor, and crafted torch.save archives exercise nesting, sub_dict and every refusal.
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/file_util.h"
#include "tests/testing/temp_dir.h"
#include "tests/worker/weights/pickle_builder.h"
#include "worker/weights/state_dict.h"

namespace clipglass::weights {
namespace {

namespace pk = testing::pickle;

std::string Fixture(const std::string& relative) {
  return std::string(CLIPGLASS_TEST_DATA_DIR) + "/reference/" + relative;
}

StatusOr<StateDict> Load(const std::string& path, const std::string& sub_dict = "") {
  LoadOptions options;
  options.sub_dict = sub_dict;
  return LoadStateDict(path, options);
}

TEST(TorchCheckpointTest, ThreeClipCopiesAreIdentical) {
  auto st = Load(Fixture("clip/weights.safetensors"));
  auto zip = Load(Fixture("clip/weights.pt"));
  auto jit = Load(Fixture("clip/weights_jit.pt"));
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  ASSERT_TRUE(zip.ok()) << zip.status().ToString();
  ASSERT_TRUE(jit.ok()) << jit.status().ToString();
  EXPECT_EQ(zip->format, CheckpointFormat::kTorchZip);
  EXPECT_EQ(jit->format, CheckpointFormat::kTorchScript);
  for (const StateDict* other : {&*zip, &*jit}) {
    SCOPED_TRACE(CheckpointFormatName(other->format));
    std::vector<std::string> a, b;
    for (const auto& [k, v] : st->tensors) a.push_back(k);
    for (const auto& [k, v] : other->tensors) b.push_back(k);
    ASSERT_EQ(a, b);
    for (const auto& [name, t] : st->tensors) {
      const at::Tensor& u = other->tensors.at(name);
      EXPECT_EQ(u.scalar_type(), t.scalar_type()) << name;
      EXPECT_TRUE(u.is_contiguous()) << name;
      EXPECT_TRUE(u.equal(t)) << name;
    }
  }
  EXPECT_EQ(zip->tensors.at("vocab_size").scalar_type(), at::kLong);
}

// Writes a torch.save-style zip archive: data.pkl plus the given storage records.
std::string WriteZip(const testing::TempDir& dir, const std::string& name, const std::string& pkl,
                     const std::map<std::string, std::string>& records) {
  const std::string path = dir.File(name);
  caffe2::serialize::PyTorchStreamWriter writer(path);
  writer.writeRecord("data.pkl", pkl.data(), pkl.size());
  for (const auto& [key, bytes] : records) {
    writer.writeRecord("data/" + key, bytes.data(), bytes.size());
  }
  writer.writeRecord("version", "3\n", 2);
  writer.writeEndOfFile();
  return path;
}

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

TEST(TorchCheckpointTest, ViewsOfSharedStorages) {
  testing::TempDir dir("zip_views");
  // "w" is the transpose of a 2x3 storage, "row" the second row of the same storage.
  const std::string pkl =
      pk::Proto() +
      pk::Dict({{"w", pk::Tensor("FloatStorage", "0", 6, 0, {3, 2}, {1, 3})},
                {"row", pk::Tensor("FloatStorage", "0", 6, 3, {3}, {1})},
                {"h", pk::Tensor("HalfStorage", "1", 2, 0, {2}, {1})},
                {"flag", pk::Tensor("BoolStorage", "2", 2, 0, {2}, {1})},
                {"empty", pk::Tensor("FloatStorage", "3", 0, 0, {0, 4}, {4, 1})}}) +
      pk::Stop();
  const std::vector<uint16_t> half = {0x3c00, 0xc000};  // 1.0, -2.0
  const std::string path = WriteZip(dir, "views.ckpt", pkl,
                                    {{"0", Bytes(std::vector<float>{0, 1, 2, 3, 4, 5})},
                                     {"1", Bytes(half)},
                                     {"2", std::string("\x00\x07", 2)},
                                     {"3", ""}});
  auto dict = Load(path);
  ASSERT_TRUE(dict.ok()) << dict.status().ToString();
  EXPECT_TRUE(dict->tensors.at("w").equal(
      torch::tensor({0.f, 1.f, 2.f, 3.f, 4.f, 5.f}).reshape({2, 3}).t()));
  EXPECT_TRUE(dict->tensors.at("w").is_contiguous());
  EXPECT_TRUE(dict->tensors.at("row").equal(torch::tensor({3.f, 4.f, 5.f})));
  EXPECT_TRUE(dict->tensors.at("h").equal(torch::tensor({1.f, -2.f})));
  EXPECT_TRUE(dict->tensors.at("flag").equal(torch::tensor({false, true})));
  EXPECT_EQ(dict->tensors.at("empty").sizes(), (std::vector<int64_t>{0, 4}));
}

TEST(TorchCheckpointTest, DictOfStateDictsAndSubDict) {
  testing::TempDir dir("zip_nested");
  const std::string pkl =
      pk::Proto() +
      pk::Dict({{"G_ema",
                 pk::Dict({{"mapping.w_avg", pk::Tensor("FloatStorage", "0", 2, 0, {2}, {1})}})},
                {"D", pk::Dict({{"b4.out.bias", pk::Tensor("FloatStorage", "1", 1, 0, {1}, {1})}},
                               /*ordered=*/false)}},
               /*ordered=*/false) +
      pk::Stop();
  const std::string path =
      WriteZip(dir, "network.pt", pkl,
               {{"0", Bytes(std::vector<float>{1, 2})}, {"1", Bytes(std::vector<float>{3})}});
  auto all = Load(path);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->tensors.size(), 2u);
  EXPECT_TRUE(all->Has("G_ema.mapping.w_avg"));
  EXPECT_TRUE(all->Has("D.b4.out.bias"));

  auto g = Load(path, "G_ema");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->tensors.size(), 1u);
  EXPECT_TRUE(g->tensors.at("mapping.w_avg").equal(torch::tensor({1.f, 2.f})));

  auto missing = Load(path, "G");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

struct BadZip {
  const char* name;
  std::string pkl;
  std::map<std::string, std::string> records;
  const char* fragment;
};

TEST(TorchCheckpointTest, RefusesWhatIsNotADictOfTensors) {
  testing::TempDir dir("zip_bad");
  const std::string f4 = Bytes(std::vector<float>{1, 2, 3, 4});
  const auto tensor = [](int numel, int offset, std::vector<int> sizes, std::vector<int> strides) {
    return pk::Tensor("FloatStorage", "0", numel, offset, sizes, strides);
  };
  const std::vector<BadZip> cases = {
      {"NonTensorValue",
       pk::Proto() + pk::Dict({{"epoch", pk::Int(5)}}) + pk::Stop(),
       {},
       "'epoch' is a int, not a tensor"},
      {"NotADict", pk::Proto() + "].", {}, "is a list, not a dict"},
      {"RefusedGlobal",
       pk::Proto() +
           pk::Dict({{"x", pk::Global("os", "system") + pk::Tuple({pk::Str("ls")}) + "R"}}) +
           pk::Stop(),
       {},
       "refusing global 'os.system'"},
      {"ViewPastStorage",
       pk::Proto() + pk::Dict({{"t", tensor(4, 2, {3}, {1})}}) + pk::Stop(),
       {{"0", f4}},
       "tensor 't': view reaches past its storage"},
      {"RecordSizeMismatch",
       pk::Proto() + pk::Dict({{"t", tensor(8, 0, {4}, {1})}}) + pk::Stop(),
       {{"0", f4}},
       "tensor 't': data/0 holds 16 bytes, not 8 elements"},
      {"MissingRecord",
       pk::Proto() + pk::Dict({{"t", tensor(4, 0, {4}, {1})}}) + pk::Stop(),
       {},
       "tensor 't': missing record data/0"},
      {"SharedDict",
       pk::Proto() + pk::Dict({{"a", pk::Dict({}) + "q\x07"}, {"b", "h\x07"}}) + pk::Stop(),
       {},
       "'b.' is a dict shared with another key"},
      {"TruncatedPickle",
       pk::Proto() + pk::Dict({{"t", tensor(4, 0, {4}, {1})}}),
       {{"0", f4}},
       "no STOP"},
  };
  for (const BadZip& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = WriteZip(dir, std::string(c.name) + ".pt", c.pkl, c.records);
    auto dict = Load(path);
    ASSERT_FALSE(dict.ok());
    EXPECT_NE(dict.status().message().find(path), std::string::npos) << dict.status().message();
    EXPECT_NE(dict.status().message().find(c.fragment), std::string::npos)
        << dict.status().message();
  }
}

TEST(TorchCheckpointTest, CorruptZipIsOneLineError) {
  testing::TempDir dir("zip_corrupt");
  auto bytes = ReadFileToString(Fixture("clip/weights.pt"));
  ASSERT_TRUE(bytes.ok());
  for (size_t keep : {size_t{4}, size_t{100}, bytes->size() / 2, bytes->size() - 10}) {
    const std::string path = dir.File("cut.pt");
    ASSERT_TRUE(WriteFileAtomically(path, bytes->substr(0, keep)).ok());
    auto dict = Load(path);
    ASSERT_FALSE(dict.ok()) << keep;
    EXPECT_EQ(dict.status().code(), StatusCode::kDataLoss) << dict.status().message();
    EXPECT_NE(dict.status().message().find(path), std::string::npos);
    EXPECT_EQ(dict.status().message().find('\n'), std::string::npos);
  }
}

TEST(TorchCheckpointTest, TorchScriptSubDictIsAPrefix) {
  auto visual = Load(Fixture("clip/weights_jit.pt"), "visual");
  ASSERT_TRUE(visual.ok()) << visual.status().ToString();
  EXPECT_TRUE(visual->Has("conv1.weight"));
  EXPECT_FALSE(visual->Has("token_embedding.weight"));
}

}  // namespace
}  // namespace clipglass::weights
