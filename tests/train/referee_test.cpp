#include "train/referee.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "common/file_util.h"
#include "tests/testing/temp_dir.h"
#include "train/world_batches.h"
#include "worker/weights/state_dict.h"
#include "world/render.h"

namespace clipglass::train {
namespace {

using ::clipglass::testing::TempDir;

const std::string kShipped =
    std::string(CLIPGLASS_SOURCE_DIR) + "/weights/demo/referee.safetensors";

TEST(RefereeTest, ShortTrainingLearnsAndWritesALoadableFile) {
  const TempDir temp("referee_short");
  RefereeOptions options;
  options.steps = 60;
  options.batch = 32;
  options.log_every = 20;
  options.eval_count = 128;
  std::vector<std::string> lines;
  const std::string path = temp.File("short.safetensors");
  ASSERT_TRUE(TrainReferee(options, path, [&](const std::string& l) { lines.push_back(l); }).ok());
  ASSERT_GE(lines.size(), 3u);
  EXPECT_NE(lines[0].find("step 20/60"), std::string::npos) << lines[0];
  EXPECT_NE(lines.back().find("wrote"), std::string::npos);

  StatusOr<std::unique_ptr<Referee>> loaded = Referee::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->side(), 32);
  const RefereeAccuracy trained = (*loaded)->Measure(world::Split::kHeldOut, kRefereeEvalSeed, 128);
  const RefereeAccuracy untrained =
      Referee::Create(32, 1)->Measure(world::Split::kHeldOut, kRefereeEvalSeed, 128);
  // The background fills most of the image: 60 steps learn it well beyond chance (1/6).
  EXPECT_GT(trained.background, 0.6) << FormatAccuracy(trained);
  EXPECT_GT(trained.background + trained.colour + trained.shape + trained.size,
            untrained.background + untrained.colour + untrained.shape + untrained.size + 0.5)
      << FormatAccuracy(trained) << " vs untrained " << FormatAccuracy(untrained);
}

TEST(RefereeTest, SameSeedSameWeights) {
  const TempDir temp("referee_same_seed");
  RefereeOptions options;
  options.steps = 5;
  options.batch = 8;
  options.log_every = 0;
  options.eval_count = 8;
  const std::string a = temp.File("a.safetensors");
  const std::string b = temp.File("b.safetensors");
  ASSERT_TRUE(TrainReferee(options, a, [](const std::string&) {}).ok());
  ASSERT_TRUE(TrainReferee(options, b, [](const std::string&) {}).ok());
  EXPECT_EQ(*ReadFileToString(a), *ReadFileToString(b));
}

TEST(RefereeTest, SaveLoadRoundTripJudgesTheSame) {
  const TempDir temp("referee_roundtrip");
  std::unique_ptr<Referee> referee = Referee::Create(32, 7);
  const WorldBatch batch = MakeWorldBatch(world::Split::kTrain, 3, 0, 16, 32);
  const std::string path = temp.File("roundtrip.safetensors");
  ASSERT_TRUE(referee->Save(path, /*half=*/false).ok());
  StatusOr<std::unique_ptr<Referee>> loaded = Referee::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const std::array<torch::Tensor, 4> before = referee->Logits(batch.images);
  const std::array<torch::Tensor, 4> after = (*loaded)->Logits(batch.images);
  for (int h = 0; h < 4; ++h) EXPECT_TRUE(torch::equal(before[h], after[h])) << "head " << h;
}

TEST(RefereeTest, LoadRejectsOtherFiles) {
  const TempDir temp("referee_other_files");
  StatusOr<std::unique_ptr<Referee>> missing = Referee::Load(temp.File("nope.safetensors"));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.safetensors"), std::string::npos);

  std::map<std::string, at::Tensor> tensors = {{"x", torch::zeros({2})}};
  const std::string other = temp.File("other.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(other, tensors).ok());
  StatusOr<std::unique_ptr<Referee>> wrong = Referee::Load(other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("other.safetensors"), std::string::npos);
  EXPECT_NE(wrong.status().message().find("referee"), std::string::npos);
}

TEST(RefereeTest, ShippedRefereeReadsHeldOutRenders) {
  StatusOr<std::unique_ptr<Referee>> referee = Referee::Load(kShipped);
  ASSERT_TRUE(referee.ok()) << referee.status().message();
  // Seed 5: renders none of the trainers saw.
  const RefereeAccuracy held_out = (*referee)->Measure(world::Split::kHeldOut, 5, 240);
  EXPECT_GE(held_out.all, 0.97) << FormatAccuracy(held_out);
  const RefereeAccuracy train_split = (*referee)->Measure(world::Split::kTrain, 5, 240);
  EXPECT_GE(train_split.all, 0.97) << FormatAccuracy(train_split);
}

TEST(RefereeTest, JudgesRgbImagesAndOtherSidesAlike) {
  StatusOr<std::unique_ptr<Referee>> referee = Referee::Load(kShipped);
  ASSERT_TRUE(referee.ok()) << referee.status().message();
  int right_64 = 0;
  for (int i = 0; i < 24; ++i) {
    const world::Example example = world::SampleExample(world::Split::kHeldOut, 6, i);
    const RgbImage image = world::RenderScene(example.scene, 32);
    const RefereeJudgement from_rgb = (*referee)->Judge(std::vector<RgbImage>{image})[0];
    const RefereeJudgement from_tensor = (*referee)->Judge(RenderBatch({example}, 32))[0];
    EXPECT_EQ(from_rgb.attributes, from_tensor.attributes);
    EXPECT_FLOAT_EQ(from_rgb.confidence[0], from_tensor.confidence[0]);
    EXPECT_GT(from_rgb.MinConfidence(), 0.0f);
    EXPECT_LE(from_rgb.MinConfidence(), 1.0f);
    // A 64 px render is averaged down to 32 px.
    right_64 +=
        (*referee)->Judge(RenderBatch({example}, 64))[0].attributes == example.scene.attributes;
  }
  EXPECT_GE(right_64, 22);
}

}  // namespace
}  // namespace clipglass::train
