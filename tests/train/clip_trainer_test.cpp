#include "train/clip_trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"
#include "train/world_batches.h"
#include "worker/models/clip.h"
#include "worker/models/clip_modules.h"
#include "worker/models/clip_preprocess.h"
#include "worker/tokenizers/clip_tokenizer.h"
#include "worker/weights/state_dict.h"
#include "world/captions.h"

namespace clipglass::train {
namespace {

using ::clipglass::testing::TempDir;

std::shared_ptr<const tokenizers::ClipTokenizer> Tokenizer() {
  static const std::shared_ptr<const tokenizers::ClipTokenizer> tokenizer = [] {
    auto loaded = tokenizers::ClipTokenizer::Load(std::string(CLIPGLASS_SOURCE_DIR) + "/" +
                                                  tokenizers::kClipMergesFile);
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return std::shared_ptr<const tokenizers::ClipTokenizer>(std::move(*loaded));
  }();
  return tokenizer;
}

// Small enough for a unit test on one thread; the shipped run is the defaults (a ResNet).
ClipTrainOptions SmallOptions(models::ClipVisionKind vision = models::ClipVisionKind::kViT) {
  ClipTrainOptions o;
  o.vision = vision;
  o.resnet_width = 8;
  o.vision_width = 64;
  o.vision_layers = 1;
  o.text_width = 64;
  o.text_layers = 1;
  o.embed_dim = 32;
  o.batch = 32;
  o.steps = 40;
  o.lr = 2e-3;
  o.warmup_steps = 5;
  o.eval_images = 16;
  o.log_every = 0;
  return o;
}

at::Tensor CaptionTokens(const std::vector<std::string>& captions) {
  auto batch = Tokenizer()->Tokenize(captions);
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return at::tensor(batch->ids, at::kLong).view({batch->rows, batch->context_length});
}

// Both image encoders: the ViT and the modified ResNet (whose batch norms use the batch's
// statistics in training and the running ones once loaded).
class ClipTrainerVisionTest : public ::testing::TestWithParam<models::ClipVisionKind> {};

TEST_P(ClipTrainerVisionTest, ShortTrainingLowersTheLossAndTheFileLoadsWithTheSameFeatures) {
  at::set_num_threads(1);
  const ClipTrainOptions options = SmallOptions(GetParam());
  ASSERT_TRUE(ValidateClipTrainOptions(options).ok());
  ClipTrainer trainer(options, Tokenizer());
  std::vector<double> losses;
  for (int64_t s = 0; s < options.steps; ++s) {
    auto stats = trainer.Step();
    ASSERT_TRUE(stats.ok()) << stats.status().message();
    EXPECT_EQ(stats->step, s + 1);
    losses.push_back(stats->loss);
  }
  const double first = std::accumulate(losses.begin(), losses.begin() + 5, 0.0) / 5;
  const double last = std::accumulate(losses.end() - 5, losses.end(), 0.0) / 5;
  EXPECT_LT(last, first - 0.3) << "first " << first << " last " << last;

  // The written file (F32 here, so the comparison can be exact) through the real loader.
  const TempDir temp("clip_trainer_short");
  const std::filesystem::path& dir = temp.path();
  ClipTrainOptions f32 = options;
  f32.half = false;
  ClipTrainer copy(f32, Tokenizer());
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(copy.Step().ok());
  const std::string path = (dir / kClipWeightsFile).string();
  ASSERT_TRUE(copy.Save(path).ok());
  auto loaded = models::ClipModel::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->config(), ClipTrainConfig(options));
  EXPECT_GT((*loaded)->logit_scale(), 1.0);

  const WorldBatch batch = MakeWorldBatch(world::Split::kHeldOut, 5, 0, 6, 32);
  auto images = models::PreprocessImages(batch.images, 32);
  ASSERT_TRUE(images.ok());
  const at::Tensor tokens = CaptionTokens(batch.captions);
  auto image_features = (*loaded)->EncodeImage(*images);
  auto text_features = (*loaded)->EncodeText(tokens);
  ASSERT_TRUE(image_features.ok() && text_features.ok());

  models::ClipImpl& m = copy.model();
  m.eval();  // batch norms on their running statistics, as the loader runs them
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(at::allclose(m.EncodeImage(*images), *image_features, 1e-5, 1e-6));
    EXPECT_TRUE(at::allclose(m.EncodeText(tokens), *text_features, 1e-5, 1e-6));
  }
  // The training path (gradients recorded, out-of-place ops, text cut to the longest caption)
  // computes the same features as inference.
  const at::Tensor recorded_image = m.EncodeImage(*images);
  ASSERT_TRUE(recorded_image.requires_grad());
  EXPECT_TRUE(at::allclose(recorded_image.detach(), *image_features, 1e-5, 1e-6));
  const int64_t longest = (tokens != 0).sum(1).max().item<int64_t>();
  const at::Tensor recorded_text = m.EncodeText(tokens.narrow(1, 0, longest));
  EXPECT_TRUE(at::allclose(recorded_text.detach(), *text_features, 1e-5, 1e-5));
}

TEST_P(ClipTrainerVisionTest, HalfPrecisionFileKeepsTheOriginalNamesAndNearlyTheSameFeatures) {
  at::set_num_threads(1);
  ClipTrainOptions options = SmallOptions(GetParam());
  ClipTrainer trainer(options, Tokenizer());
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(trainer.Step().ok());
  const TempDir temp("clip_trainer_half");
  const std::filesystem::path& dir = temp.path();
  const std::string path = (dir / kClipWeightsFile).string();
  ASSERT_TRUE(trainer.Save(path).ok());

  weights::LoadOptions half;
  half.float_dtype = at::kHalf;
  auto dict = weights::LoadStateDict(path, half);
  ASSERT_TRUE(dict.ok()) << dict.status().message();
  const auto shapes = models::ClipStateDictShapes(ClipTrainConfig(options));
  EXPECT_EQ(dict->tensors.size(), shapes.size());
  for (const auto& [key, shape] : shapes) {
    ASSERT_TRUE(dict->Has(key)) << key;
    EXPECT_EQ(dict->tensors.at(key).sizes().vec(), shape) << key;
  }
  EXPECT_EQ(dict->metadata.at("model"), "clip");

  auto loaded = models::ClipModel::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const WorldBatch batch = MakeWorldBatch(world::Split::kTrain, 9, 0, 4, 32);
  auto features = (*loaded)->EncodeGeneratedImages(batch.images, {});
  ASSERT_TRUE(features.ok());
  auto images = models::PreprocessImages(batch.images, 32);
  torch::NoGradGuard no_grad;
  trainer.model().eval();
  const at::Tensor exact = trainer.model().EncodeImage(*images);
  const double error = (*features - exact).abs().max().item<double>();
  EXPECT_LT(error, 0.02 * exact.abs().max().item<double>());
}

TEST_P(ClipTrainerVisionTest, SameSeedSameWeights) {
  at::set_num_threads(1);
  ClipTrainOptions options = SmallOptions(GetParam());
  ClipTrainer a(options, Tokenizer());
  ClipTrainer b(options, Tokenizer());
  for (int s = 0; s < 2; ++s) {
    ASSERT_TRUE(a.Step().ok());
    ASSERT_TRUE(b.Step().ok());
  }
  const auto ta = a.StateTensors(false);
  const auto tb = b.StateTensors(false);
  for (const auto& [key, tensor] : ta) EXPECT_TRUE(at::equal(tensor, tb.at(key))) << key;

  options.seed = 2;
  ClipTrainer c(options, Tokenizer());
  const std::string visual_key = options.vision == models::ClipVisionKind::kViT
                                     ? "visual.proj"
                                     : "visual.attnpool.c_proj.weight";
  EXPECT_FALSE(at::equal(c.StateTensors(false).at(visual_key), ta.at(visual_key)));
}

TEST_P(ClipTrainerVisionTest, ZeroShotMeasuresTheCandidateCaptions) {
  at::set_num_threads(1);
  ClipTrainer trainer(SmallOptions(GetParam()), Tokenizer());
  ASSERT_TRUE(trainer.Step().ok());
  const TempDir temp("clip_trainer_zero_shot");
  const std::string path = temp.File(kClipWeightsFile);
  ASSERT_TRUE(trainer.Save(path).ok());
  auto loaded = models::ClipModel::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  auto accuracy = MeasureZeroShot(**loaded, *Tokenizer(), world::Split::kHeldOut, 3, 10);
  ASSERT_TRUE(accuracy.ok()) << accuracy.status().message();
  EXPECT_EQ(accuracy->count, 10);
  // "All four" can never exceed any single attribute.
  for (double part : {accuracy->shape, accuracy->colour, accuracy->background, accuracy->size}) {
    EXPECT_LE(accuracy->all, part);
  }
  EXPECT_NE(FormatZeroShot(*accuracy).find("(n=10)"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Encoders, ClipTrainerVisionTest,
                         ::testing::Values(models::ClipVisionKind::kViT,
                                           models::ClipVisionKind::kModifiedResNet),
                         [](const auto& info) {
                           return info.param == models::ClipVisionKind::kViT ? "ViT" : "ResNet";
                         });

// Training moves the ResNet's batch-norm running statistics (saved with the weights) away from
// their initial 0 / 1.
TEST(ClipTrainerTest, ResNetRunningStatisticsAreTrainedAndSaved) {
  at::set_num_threads(1);
  ClipTrainer trainer(SmallOptions(models::ClipVisionKind::kModifiedResNet), Tokenizer());
  ASSERT_TRUE(trainer.Step().ok());
  const auto tensors = trainer.StateTensors(false);
  ASSERT_TRUE(tensors.count("visual.bn1.running_mean"));
  ASSERT_TRUE(tensors.count("visual.layer4.0.downsample.1.running_var"));
  EXPECT_GT(tensors.at("visual.bn1.running_mean").abs().max().item<double>(), 0.0);
  EXPECT_FALSE(at::equal(tensors.at("visual.layer4.0.downsample.1.running_var"),
                         at::ones({8 * 8 * 4}, at::kFloat)));
}

TEST(ClipTrainerTest, ZeroShotCandidatesAreTheTemplateZeroCaptions) {
  const std::vector<std::string> captions = ZeroShotCaptions();
  ASSERT_EQ(captions.size(), 240u);
  EXPECT_EQ(captions[0], world::Caption(world::CombinationAt(0), 0));
}

TEST(ClipTrainerTest, BadOutputFolderIsOneClearLine) {
  const TempDir temp("clip_trainer_bad_out");
  const std::filesystem::path& dir = temp.path();
  const std::string file = (dir / "a_file").string();
  std::ofstream(file) << "x";
  const Status status = TrainClip(SmallOptions(), file + "/sub", stdout);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(file + "/sub"), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
}

TEST(ClipTrainerTest, InvalidOptionsNameTheField) {
  ClipTrainOptions options = SmallOptions();
  options.vision_width = 32;
  Status status = ValidateClipTrainOptions(options);
  EXPECT_NE(status.message().find("vision_width"), std::string::npos) << status.message();
  options = SmallOptions();
  options.batch = 1;
  status = ValidateClipTrainOptions(options);
  EXPECT_NE(status.message().find("batch"), std::string::npos) << status.message();
  const TempDir temp("clip_trainer_invalid");
  EXPECT_FALSE(TrainClip(options, temp.path().string(), stdout).ok());
  options = SmallOptions();
  options.contrast_groups = options.batch / 8 + 1;  // more variants than the batch holds
  status = ValidateClipTrainOptions(options);
  EXPECT_NE(status.message().find("contrast_groups"), std::string::npos) << status.message();
  options = SmallOptions(models::ClipVisionKind::kModifiedResNet);
  options.resnet_width = 7;  // the stem halves it
  status = ValidateClipTrainOptions(options);
  EXPECT_NE(status.message().find("resnet_width"), std::string::npos) << status.message();
  options = SmallOptions(models::ClipVisionKind::kModifiedResNet);
  options.resnet_layers[2] = 0;
  status = ValidateClipTrainOptions(options);
  EXPECT_NE(status.message().find("resnet_layers"), std::string::npos) << status.message();
  options = SmallOptions();
  options.augment.blur = 1.5;
  status = ValidateClipTrainOptions(options);
  EXPECT_NE(status.message().find("blur"), std::string::npos) << status.message();
  options = SmallOptions();
  options.augment.noise_std = -0.1;
  status = ValidateClipTrainOptions(options);
  EXPECT_NE(status.message().find("noise_std"), std::string::npos) << status.message();
  options = SmallOptions(models::ClipVisionKind::kModifiedResNet);
  options.image_resolution = 48;  // the ResNet divides the side by 32
  status = ValidateClipTrainOptions(options);
  EXPECT_NE(status.message().find("image_resolution"), std::string::npos) << status.message();
}

TEST(ClipTrainerTest, ContrastGroupsTrainAndDifferFromRandomBatches) {
  at::set_num_threads(1);
  ClipTrainOptions options = SmallOptions();
  options.contrast_groups = 2;
  ASSERT_TRUE(ValidateClipTrainOptions(options).ok());
  ClipTrainer grouped(options, Tokenizer());
  options.contrast_groups = 0;
  ClipTrainer random(options, Tokenizer());
  for (int s = 0; s < 3; ++s) {
    auto a = grouped.Step();
    auto b = random.Step();
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE(std::isfinite(a->loss));
    if (s == 0) {
      EXPECT_NE(a->loss, b->loss);  // same initialisation, different batches
    }
  }
}

TEST(ClipTrainerTest, AugmentedTrainingIsReproducibleAndSeesOtherPixels) {
  at::set_num_threads(1);
  ClipTrainOptions options = SmallOptions();
  ClipTrainer plain(options, Tokenizer());
  options.augment = {.blur = 1.0, .noise_std = 0.04};
  ASSERT_TRUE(ValidateClipTrainOptions(options).ok());
  ClipTrainer augmented(options, Tokenizer());
  ClipTrainer again(options, Tokenizer());
  for (int s = 0; s < 3; ++s) {
    auto a = augmented.Step();
    auto b = again.Step();
    auto c = plain.Step();
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_TRUE(std::isfinite(a->loss));
    EXPECT_EQ(a->loss, b->loss);  // same options, same bits
    if (s == 0) {
      EXPECT_NE(a->loss, c->loss);  // same initialisation and captions, other pixels
    }
  }
}

}  // namespace
}  // namespace clipglass::train
