// Model residency (LRU within the memory budget, components shared between model sets) and the
// target embedding cache.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/worker/evaluator/evaluator_test_util.h"
#include "worker/evaluator/component_pool.h"
#include "worker/evaluator/model_evaluator.h"

namespace clipglass::worker {
namespace {

using testing::CaptionTarget;
using testing::MakeAssign;

std::unique_ptr<ModelEvaluator> MakeEvaluator(uint64_t budget = 0) {
  ModelEvaluatorOptions options;
  options.micro_batch = 4;
  options.threads = 1;  // the fixtures are tiny; one thread avoids contention on shared machines
  options.memory_budget_bytes = budget;
  auto evaluator = ModelEvaluator::Create(options);
  EXPECT_TRUE(evaluator.ok()) << evaluator.status().ToString();
  return evaluator.ok() ? std::move(evaluator).value() : nullptr;
}

EvaluationResult MustEvaluate(ModelEvaluator* evaluator, const v1::Assign& assign) {
  bool permanent = false;
  auto result = evaluator->Evaluate(assign, &permanent);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : EvaluationResult{};
}

v1::Assign StyleganAssign(bool with_discriminator, const std::vector<std::string>& captions) {
  std::vector<v1::Target> targets;
  std::vector<uint32_t> index;
  for (size_t i = 0; i < captions.size(); ++i) {
    targets.push_back(CaptionTarget(captions[i]));
    index.push_back(static_cast<uint32_t>(i));
  }
  return MakeAssign(testing::StyleganSpec(with_discriminator), testing::StyleganLayout(),
                    testing::RealGenomes(static_cast<int>(captions.size()), 32, 31), targets, index,
                    with_discriminator);
}

v1::Assign BigganAssign() {
  return MakeAssign(testing::BigganSpec(), testing::BigganLayout(), testing::BigganGenomes(2, 32),
                    {CaptionTarget("a wolf")}, {0, 0});
}

TEST(TargetCacheTest, SecondBatchDoesNotRecompute) {
  auto evaluator = MakeEvaluator();
  MustEvaluate(evaluator.get(), StyleganAssign(false, {"a red circle", "a blue square"}));
  EXPECT_EQ(evaluator->stats().target_embeddings, 2);
  const EvaluationResult second =
      MustEvaluate(evaluator.get(), StyleganAssign(false, {"a red circle", "a blue square"}));
  EXPECT_EQ(evaluator->stats().target_embeddings, 2);
  EXPECT_EQ(evaluator->stats().target_cache_hits, 2);
  EXPECT_EQ(second.load_seconds, 0.0);  // resident: nothing loaded
  // A new target is computed once; the model set with D shares the CLIP, and so the cache.
  MustEvaluate(evaluator.get(), StyleganAssign(true, {"a red circle", "a green triangle"}));
  EXPECT_EQ(evaluator->stats().target_embeddings, 3);
  EXPECT_EQ(evaluator->stats().batches, 3);
  EXPECT_EQ(evaluator->stats().individuals, 6);
}

TEST(ResidencyTest, SharedComponentsAreCountedOnce) {
  auto evaluator = MakeEvaluator();
  MustEvaluate(evaluator.get(), StyleganAssign(false, {"a"}));
  const uint64_t without_d = evaluator->stats().resident_bytes;
  MustEvaluate(evaluator.get(), StyleganAssign(true, {"a"}));
  const uint64_t with_d = evaluator->stats().resident_bytes;
  EXPECT_EQ(evaluator->stats().model_loads, 2);
  // The second set added only D (its float32 parameters: a little under its file's size).
  EXPECT_GT(with_d, without_d);
  EXPECT_LT(with_d - without_d, 294444u);
  EXPECT_GT(with_d - without_d, 250000u);
  EXPECT_EQ(evaluator->LoadedModels(),
            (std::vector<std::string>{"TinyStyleGAN2_d+D", "TinyStyleGAN2_nod"}));
}

TEST(ResidencyTest, LeastRecentlyUsedIsEvictedBeyondTheBudget) {
  // Measure the sets' sizes without a budget first.
  uint64_t stylegan_bytes = 0;
  uint64_t both_bytes = 0;
  {
    auto evaluator = MakeEvaluator();
    MustEvaluate(evaluator.get(), StyleganAssign(false, {"a"}));
    stylegan_bytes = evaluator->stats().resident_bytes;
    MustEvaluate(evaluator.get(), BigganAssign());
    both_bytes = evaluator->stats().resident_bytes;
  }
  ASSERT_GT(both_bytes, stylegan_bytes);
  const uint64_t biggan_only = both_bytes - stylegan_bytes;  // BigGAN G (CLIP is shared)

  // A budget that holds either set but not both.
  auto evaluator = MakeEvaluator(both_bytes - 1);
  MustEvaluate(evaluator.get(), StyleganAssign(false, {"a"}));
  MustEvaluate(evaluator.get(), BigganAssign());
  EXPECT_EQ(evaluator->LoadedModels(), std::vector<std::string>{"TinyBigGAN"});
  EXPECT_EQ(evaluator->stats().model_evictions, 1);
  EXPECT_LE(evaluator->stats().resident_bytes, both_bytes - 1);
  EXPECT_GE(evaluator->stats().resident_bytes, biggan_only);
  // Back to StyleGAN2: reloaded (load time reported), BigGAN evicted in turn.
  const EvaluationResult again = MustEvaluate(evaluator.get(), StyleganAssign(false, {"a"}));
  EXPECT_GT(again.load_seconds, 0.0);
  EXPECT_EQ(evaluator->LoadedModels(), std::vector<std::string>{"TinyStyleGAN2_nod"});
  EXPECT_EQ(evaluator->stats().model_loads, 3);

  // A budget smaller than one set still evaluates (the set at hand is always kept).
  auto tiny = MakeEvaluator(1);
  const EvaluationResult result = MustEvaluate(tiny.get(), BigganAssign());
  EXPECT_EQ(result.similarity.size(), 2u);
  EXPECT_EQ(tiny->LoadedModels(), std::vector<std::string>{"TinyBigGAN"});
}

TEST(ComponentPoolTest, ComponentsLiveWhileHeld) {
  ComponentPool pool;
  auto a = std::make_shared<const int>(1);
  auto b = std::make_shared<const int>(2);
  pool.Add("a", a, 100);
  pool.Add("b", b, 50);
  EXPECT_EQ(pool.LiveBytes(), 150u);
  EXPECT_EQ(pool.Find<const int>("a"), a);
  b.reset();
  EXPECT_FALSE(pool.IsLive("b"));
  EXPECT_EQ(pool.Find<const int>("b"), nullptr);
  EXPECT_EQ(pool.LiveBytes(), 100u);
  EXPECT_EQ(pool.Find<const int>("missing"), nullptr);
}

}  // namespace
}  // namespace clipglass::worker
