#include "coordinator/ga/presets.h"

#include <gtest/gtest.h>

namespace clipglass::ga {
namespace {

TEST(PresetsTest, AllNineConfigurationsValidateInBothFidelities) {
  EXPECT_EQ(PaperPresetNames().size(), 9u);
  for (const std::string& name : PaperPresetNames()) {
    for (Fidelity f : {Fidelity::kFaithful, Fidelity::kModern}) {
      StatusOr<GaConfig> c = PaperPreset(name, f);
      ASSERT_TRUE(c.ok()) << name;
      EXPECT_TRUE(ValidateGaConfig(*c).ok()) << name;
      EXPECT_EQ(c->max_generations, 500);
      EXPECT_TRUE(c->eliminate_duplicates);
      EXPECT_EQ(c->direction(0), Direction::kMaximize) << "CLIP similarity is maximised";
    }
  }
  EXPECT_FALSE(PaperPreset("StyleGAN3_ffhq_d", Fidelity::kFaithful).ok());
}

TEST(PresetsTest, FaithfulMatchesTheOriginalTable) {
  GaConfig gpt2 = *PaperPreset("GPT2", Fidelity::kFaithful);
  EXPECT_EQ(gpt2.algorithm, AlgorithmKind::kGa);
  EXPECT_EQ(gpt2.pop_size, 100);
  ASSERT_EQ(gpt2.space.segments.size(), 1u);
  EXPECT_EQ(gpt2.space.segments[0].kind, GeneKind::kInteger);
  EXPECT_EQ(gpt2.space.segments[0].size, 20);
  EXPECT_EQ(gpt2.space.segments[0].upper, 50256.0);
  EXPECT_EQ(gpt2.operators[0].crossover.prob, 1.0);
  EXPECT_EQ(gpt2.operators[0].crossover.eta, 3.0);
  EXPECT_EQ(gpt2.operators[0].mutation.prob, 0.5);
  EXPECT_EQ(gpt2.operators[0].mutation.eta, 3.0);

  GaConfig big = *PaperPreset("DeepMindBigGAN256", Fidelity::kFaithful);
  EXPECT_EQ(big.pop_size, 64);
  EXPECT_EQ(PaperPreset("DeepMindBigGAN512", Fidelity::kFaithful)->pop_size, 32);
  EXPECT_EQ(big.space.num_genes(), 1128);
  EXPECT_EQ(big.operators[0].sampler.kind, SamplerKind::kTruncatedNormal);
  EXPECT_EQ(big.operators[1].sampler.p, 0.005);
  EXPECT_EQ(big.operators[1].crossover.kind, CrossoverKind::kHux);
  EXPECT_EQ(big.operators[1].mutation.prob, 0.01);
  ASSERT_TRUE(big.joint_crossover_prob.has_value());
  EXPECT_EQ(*big.joint_crossover_prob, 0.9);

  GaConfig d = *PaperPreset("StyleGAN2_church_d", Fidelity::kFaithful);
  EXPECT_EQ(d.algorithm, AlgorithmKind::kNsga2);
  EXPECT_EQ(d.num_objectives, 2);
  EXPECT_EQ(d.direction(1), Direction::kMinimize);
  EXPECT_EQ(d.pop_size, 16);
  EXPECT_EQ(d.space.segments[0].lower, -10.0);
  EXPECT_EQ(d.operators[0].sampler.kind, SamplerKind::kNormal);
  EXPECT_EQ(PaperPreset("StyleGAN2_church_nod", Fidelity::kFaithful)->algorithm,
            AlgorithmKind::kGa);
}

TEST(PresetsTest, ModernChangesOnlyTheOperatorParameters) {
  GaConfig m = *PaperPreset("DeepMindBigGAN256", Fidelity::kModern);
  EXPECT_EQ(m.pop_size, 64);
  EXPECT_FALSE(m.joint_crossover_prob.has_value());
  EXPECT_EQ(m.operators[0].crossover.eta, 15.0);
  EXPECT_EQ(m.operators[0].mutation.eta, 20.0);
  EXPECT_LT(m.operators[0].mutation.prob, 0.0);  // 1/n
  EXPECT_EQ(m.operators[1].crossover.prob, 0.2);
}

}  // namespace
}  // namespace clipglass::ga
