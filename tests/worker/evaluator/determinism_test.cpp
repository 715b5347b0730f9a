// DESIGN.md, "Determinism": an individual's objective values must not depend on which other
// individuals share its batch, nor on the batch's size. For every family, an individual scored
// alone must give the same BITS as the same individual inside a larger batch of other genomes
// (several micro-batches, the last one padded, at another position and with other targets).
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "common/png_codec.h"
#include "tests/worker/evaluator/evaluator_test_util.h"
#include "worker/evaluator/model_evaluator.h"

namespace clipglass::worker {
namespace {

using testing::CaptionTarget;
using testing::MakeAssign;

constexpr int64_t kMicroBatch = 4;
constexpr int kBatch = 11;    // three micro-batches, the last padded with one copy
constexpr int kPosition = 9;  // inside the padded micro-batch

std::unique_ptr<ModelEvaluator> MakeEvaluator() {
  ModelEvaluatorOptions options;
  options.micro_batch = kMicroBatch;
  options.threads = 1;  // the fixtures are tiny; one thread avoids contention on shared machines
  auto evaluator = ModelEvaluator::Create(options);
  EXPECT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  return evaluator.ok() ? std::move(evaluator).value() : nullptr;
}

uint32_t Bits(float value) { return std::bit_cast<uint32_t>(value); }

// Scores `genomes` twice: genome 0 alone, then genome 0 at kPosition among the others, with the
// others pointing at a second target. Expects the same bits for genome 0 both times.
void ExpectSameBitsAloneAndInBatch(const v1::ModelSpec& spec, const wire::GenomeLayout& layout,
                                   const std::vector<std::vector<double>>& genomes,
                                   const v1::Target& target, const v1::Target& other_target,
                                   bool want_discriminator) {
  ASSERT_EQ(genomes.size(), static_cast<size_t>(kBatch));
  auto evaluator = MakeEvaluator();
  bool permanent = false;
  auto alone = evaluator->Evaluate(
      MakeAssign(spec, layout, {genomes[0]}, {target}, {0}, want_discriminator, {0}), &permanent);
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();

  std::vector<std::vector<double>> batch = genomes;
  std::swap(batch[0], batch[kPosition]);
  // The individual's target is now the second of two; its mates point at the first.
  std::vector<uint32_t> target_index(kBatch, 0);
  target_index[kPosition] = 1;
  auto inside = evaluator->Evaluate(MakeAssign(spec, layout, batch, {other_target, target},
                                               target_index, want_discriminator, {kPosition}),
                                    &permanent);
  ASSERT_TRUE(inside.ok()) << inside.status().ToString();

  EXPECT_EQ(Bits(alone->similarity[0]), Bits(inside->similarity[kPosition]))
      << alone->similarity[0] << " vs " << inside->similarity[kPosition];
  if (want_discriminator) {
    // A loss of 0 (logit above 1) would compare two clamped zeros.
    EXPECT_GT(alone->discriminator_loss[0], 0.0f);
    EXPECT_EQ(Bits(alone->discriminator_loss[0]), Bits(inside->discriminator_loss[kPosition]))
        << alone->discriminator_loss[0] << " vs " << inside->discriminator_loss[kPosition];
  }
  ASSERT_EQ(alone->outputs.size(), 1u);
  ASSERT_EQ(inside->outputs.size(), 1u);
  EXPECT_EQ(alone->outputs[0].png(), inside->outputs[0].png());
  EXPECT_EQ(alone->outputs[0].caption(), inside->outputs[0].caption());
  // Scores of the batch mates differ from the individual's: the test compares real values.
  EXPECT_NE(Bits(inside->similarity[0]), Bits(inside->similarity[kPosition]));
}

TEST(DeterminismTest, Stylegan2WithDiscriminator) {
  v1::ModelSpec spec = testing::StyleganSpec(true);
  spec.set_truncation(0.7f);  // the fixture's D gives logits below 1 (a non-zero hinge) here
  ExpectSameBitsAloneAndInBatch(spec, testing::StyleganLayout(),
                                testing::RealGenomes(kBatch, 32, 21), CaptionTarget("a red circle"),
                                CaptionTarget("a blue square"),
                                /*want_discriminator=*/true);
}

TEST(DeterminismTest, Stylegan2RandomNoise) {
  v1::ModelSpec spec = testing::StyleganSpec(false);
  spec.set_noise_mode("random");
  ExpectSameBitsAloneAndInBatch(spec, testing::StyleganLayout(),
                                testing::RealGenomes(kBatch, 32, 22), CaptionTarget("a red circle"),
                                CaptionTarget("a blue square"), false);
}

TEST(DeterminismTest, Biggan) {
  ExpectSameBitsAloneAndInBatch(testing::BigganSpec(), testing::BigganLayout(),
                                testing::BigganGenomes(kBatch, 23), CaptionTarget("a wolf"),
                                CaptionTarget("a teapot"), false);
}

TEST(DeterminismTest, Gpt2) {
  testing::TempDir dir;
  const std::string weights = testing::WriteGpt2WithHeads(dir.File("gpt2.safetensors"));
  std::ifstream in(testing::DataPath("grids/red_circle.png"), std::ios::binary);
  v1::Target image;
  image.set_id("image:red_circle");
  image.set_image_png(std::string(std::istreambuf_iterator<char>(in), {}));
  // A second target image: a blue square on white.
  RgbImage square{48, 40, std::vector<uint8_t>(48 * 40 * 3, 255)};
  for (int y = 10; y < 30; ++y) {
    for (int x = 14; x < 34; ++x) {
      uint8_t* pixel = &square.rgb[(y * 48 + x) * 3];
      pixel[0] = 0;
      pixel[1] = 0;
    }
  }
  auto png = EncodePng(square);
  ASSERT_TRUE(png.ok());
  v1::Target other;
  other.set_id("image:blue_square");
  other.set_image_png(*png);
  ExpectSameBitsAloneAndInBatch(testing::Gpt2Spec(weights), testing::Gpt2Layout(),
                                testing::TokenGenomes(kBatch, 20, 24), image, other, false);
}

}  // namespace
}  // namespace clipglass::worker
