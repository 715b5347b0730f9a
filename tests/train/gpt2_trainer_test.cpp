#include "train/gpt2_trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"
#include "worker/models/gpt2.h"
#include "worker/models/gpt2_modules.h"
#include "worker/tokenizers/gpt2_tokenizer.h"
#include "worker/weights/state_dict.h"
#include "world/captions.h"

namespace clipglass::train {
namespace {

using ::clipglass::testing::TempDir;

std::shared_ptr<const tokenizers::Gpt2Tokenizer> Tokenizer() {
  static const std::shared_ptr<const tokenizers::Gpt2Tokenizer> tokenizer = [] {
    const std::string source = CLIPGLASS_SOURCE_DIR;
    auto loaded = tokenizers::Gpt2Tokenizer::Load(source + "/" + tokenizers::kGpt2EncoderFile,
                                                  source + "/" + tokenizers::kGpt2MergesFile);
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return std::shared_ptr<const tokenizers::Gpt2Tokenizer>(std::move(*loaded));
  }();
  return tokenizer;
}

std::vector<int64_t> Encode(const std::string& text) {
  auto ids = Tokenizer()->Encode(text);
  EXPECT_TRUE(ids.ok());
  return {ids->begin(), ids->end()};
}

Gpt2TrainOptions SmallOptions() {
  Gpt2TrainOptions o;
  o.n_layer = 1;
  o.n_embd = 32;
  o.n_head = 2;
  o.batch = 8;
  o.steps = 30;
  o.lr = 5e-3;
  o.warmup_steps = 3;
  o.eval_examples = 8;
  o.samples = 4;
  o.log_every = 0;
  return o;
}

std::unique_ptr<Gpt2Trainer> MakeTrainer(const Gpt2TrainOptions& options) {
  auto trainer = Gpt2Trainer::Create(options, Tokenizer());
  EXPECT_TRUE(trainer.ok()) << trainer.status().message();
  return std::move(*trainer);
}

TEST(Gpt2TrainerTest, TrainingTextHasTheCaptionersLayout) {
  const Gpt2TrainOptions options = SmallOptions();
  auto maker = Gpt2TextMaker::Create(Tokenizer(), options);
  ASSERT_TRUE(maker.ok());
  const world::Attributes a = world::CombinationAt(17);

  auto genome = maker->Genome(42, a, /*slot_probability=*/0.0);
  ASSERT_TRUE(genome.ok());
  ASSERT_EQ(genome->size(), 20u);
  for (int64_t id : *genome) EXPECT_TRUE(id >= 0 && id < 50256) << id;
  auto again = maker->Genome(42, a, 0.0);
  EXPECT_EQ(*genome, *again);

  auto sequence = maker->Captioner(*genome, a);
  ASSERT_TRUE(sequence.ok());
  const std::vector<int64_t> context = Encode("the picture of");
  ASSERT_EQ(context, (std::vector<int64_t>{1169, 4286, 286}));
  const std::vector<int64_t> expected_tail = Encode(world::Caption(a, 1));
  std::vector<int64_t> expected = *genome;
  expected.insert(expected.end(), expected_tail.begin(), expected_tail.end());
  expected.push_back(50256);
  EXPECT_EQ(sequence->ids, expected);
  // The loss reads the caption after the context and its <|endoftext|>, never the genome.
  for (size_t i = 0; i < sequence->ids.size(); ++i) {
    EXPECT_EQ(sequence->predict_next[i], i >= 22 && i + 1 < sequence->ids.size()) << i;
  }

  // A fully hinted genome ends with the words of the size, colour, shape and background.
  auto hinted = maker->Genome(42, a, /*slot_probability=*/1.0);
  ASSERT_TRUE(hinted.ok());
  std::vector<int64_t> words;
  for (std::string_view word : {world::SizeName(a.size), world::ColourName(a.colour),
                                world::ShapeName(a.shape), world::ColourName(a.background)}) {
    const std::vector<int64_t> ids = Encode(" " + std::string(word));
    ASSERT_EQ(ids.size(), 1u) << word;
    words.push_back(ids[0]);
  }
  EXPECT_EQ(std::vector<int64_t>(hinted->end() - 4, hinted->end()), words);
  EXPECT_EQ(std::vector<int64_t>(hinted->begin(), hinted->end() - 4),
            std::vector<int64_t>(genome->begin(), genome->end() - 4));

  auto plain = maker->Plain("a blue background with a large red circle");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->ids.back(), 50256);
  EXPECT_TRUE(plain->predict_next.front());
  EXPECT_FALSE(plain->predict_next.back());
}

TEST(Gpt2TrainerTest, ShortTrainingLowersTheLossAndTheFileLoadsWithTheSameOutputs) {
  at::set_num_threads(1);
  Gpt2TrainOptions options = SmallOptions();
  options.half = false;
  std::unique_ptr<Gpt2Trainer> trainer = MakeTrainer(options);
  std::vector<double> losses;
  for (int64_t s = 0; s < options.steps; ++s) {
    auto stats = trainer->Step();
    ASSERT_TRUE(stats.ok()) << stats.status().message();
    EXPECT_GT(stats->tokens, 0);
    losses.push_back(stats->loss);
  }
  const double first = std::accumulate(losses.begin(), losses.begin() + 5, 0.0) / 5;
  const double last = std::accumulate(losses.end() - 5, losses.end(), 0.0) / 5;
  EXPECT_LT(last, first - 1.0) << "first " << first << " last " << last;

  const TempDir temp("gpt2_trainer_short");
  const std::string path = temp.File(kGpt2WeightsFile);
  ASSERT_TRUE(trainer->Save(path).ok());
  auto loaded = models::Gpt2::Load(path);  // the head count comes from the metadata
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->config().n_head, 2);
  EXPECT_EQ((*loaded)->config().n_layer, 1);
  EXPECT_EQ((*loaded)->config().vocab_size, 50257);
  EXPECT_EQ((*loaded)->config().n_positions, 64);

  std::vector<int64_t> ids = Encode("the picture of a small green square on a red background");
  const at::Tensor input = at::tensor(ids, at::kLong).view({1, -1});
  auto out = (*loaded)->Forward(input);
  ASSERT_TRUE(out.ok()) << out.status().message();
  // The in-memory model, run as training runs it (gradients recorded, through the cache).
  models::gpt2::TransformerImpl& m = trainer->model();
  models::gpt2::KvCache cache =
      models::gpt2::KvCache::Allocate(m.config, 1, input.size(1), at::kFloat);
  const at::Tensor hidden = m.forward(input, cache);
  ASSERT_TRUE(hidden.requires_grad());
  EXPECT_TRUE(at::allclose(hidden.detach(), out->hidden_states, 1e-5, 1e-5));
  const at::Tensor logits = m.Logits(hidden.select(1, -1)).detach();  // [1, V]
  EXPECT_TRUE(at::allclose(logits, out->logits_last, 1e-4, 1e-5));
}

TEST(Gpt2TrainerTest, HalfPrecisionFileHasTheReleasedNamesAndHeadCount) {
  at::set_num_threads(1);
  const Gpt2TrainOptions options = SmallOptions();
  std::unique_ptr<Gpt2Trainer> trainer = MakeTrainer(options);
  ASSERT_TRUE(trainer->Step().ok());
  const TempDir temp("gpt2_trainer_half");
  const std::string path = temp.File(kGpt2WeightsFile);
  ASSERT_TRUE(trainer->Save(path).ok());
  weights::LoadOptions half;
  half.float_dtype = at::kHalf;
  auto dict = weights::LoadStateDict(path, half);
  ASSERT_TRUE(dict.ok());
  EXPECT_EQ(dict->metadata.at("n_head"), "2");
  for (const char* key : {"wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.attn.c_attn.weight",
                          "h.0.attn.c_proj.bias", "h.0.mlp.c_fc.weight", "ln_f.bias"}) {
    EXPECT_TRUE(dict->Has(key)) << key;
  }
  EXPECT_EQ(dict->tensors.at("h.0.attn.c_attn.weight").sizes().vec(),
            (std::vector<int64_t>{32, 96}));  // Conv1D: [in, out]
  auto loaded = models::Gpt2::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const at::Tensor input = at::tensor(Encode("a red circle"), at::kLong).view({1, -1});
  auto out = (*loaded)->Forward(input);
  ASSERT_TRUE(out.ok());
  models::gpt2::KvCache cache =
      models::gpt2::KvCache::Allocate(trainer->model().config, 1, input.size(1), at::kFloat);
  torch::NoGradGuard no_grad;
  const at::Tensor exact = trainer->model().forward(input, cache);
  EXPECT_LT((exact - out->hidden_states).abs().max().item<double>(), 0.05);
}

TEST(Gpt2TrainerTest, SameSeedSameWeights) {
  at::set_num_threads(1);
  Gpt2TrainOptions options = SmallOptions();
  std::unique_ptr<Gpt2Trainer> a = MakeTrainer(options);
  std::unique_ptr<Gpt2Trainer> b = MakeTrainer(options);
  for (int s = 0; s < 2; ++s) {
    ASSERT_TRUE(a->Step().ok());
    ASSERT_TRUE(b->Step().ok());
  }
  const auto ta = a->StateTensors(false);
  const auto tb = b->StateTensors(false);
  for (const auto& [key, tensor] : ta) EXPECT_TRUE(at::equal(tensor, tb.at(key))) << key;
  options.seed = 2;
  std::unique_ptr<Gpt2Trainer> c = MakeTrainer(options);
  EXPECT_FALSE(at::equal(c->StateTensors(false).at("wte.weight"), ta.at("wte.weight")));
}

TEST(Gpt2TrainerTest, WholeRunWritesMeasuresAndSamples) {
  at::set_num_threads(1);
  setenv("CLIPGLASS_DATA_DIR", CLIPGLASS_SOURCE_DIR, 1);
  Gpt2TrainOptions options = SmallOptions();
  options.steps = 4;
  options.log_every = 2;
  const TempDir temp("gpt2_trainer_whole");
  const std::filesystem::path dir = temp.path() / "made_by_the_run";
  const std::string log_path = temp.File("log.txt");
  std::FILE* log = std::fopen(log_path.c_str(), "w");
  ASSERT_NE(log, nullptr);
  const Status status = TrainGpt2(options, dir.string(), log);
  std::fclose(log);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(std::filesystem::exists(dir / kGpt2WeightsFile));
  std::ifstream in(log_path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("step 2/4"), std::string::npos) << text;
  EXPECT_NE(text.find("held-out perplexity"), std::string::npos) << text;
  EXPECT_NE(text.find("random genomes"), std::string::npos) << text;
}

TEST(Gpt2TrainerTest, BadOutputFolderIsOneClearLine) {
  const TempDir temp("gpt2_trainer_bad_out");
  const std::filesystem::path& dir = temp.path();
  const std::string file = (dir / "a_file").string();
  std::ofstream(file) << "x";
  const Status status = TrainGpt2(SmallOptions(), file + "/sub", stdout);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(file + "/sub"), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
}

TEST(Gpt2TrainerTest, InvalidOptionsNameTheField) {
  Gpt2TrainOptions options = SmallOptions();
  options.n_positions = 40;  // 20 genome + 3 context + 30 generated do not fit
  Status status = ValidateGpt2TrainOptions(options);
  EXPECT_NE(status.message().find("n_positions"), std::string::npos) << status.message();
  options = SmallOptions();
  options.n_head = 3;
  status = ValidateGpt2TrainOptions(options);
  EXPECT_NE(status.message().find("n_head"), std::string::npos) << status.message();
  EXPECT_FALSE(Gpt2Trainer::Create(options, Tokenizer()).ok());
}

}  // namespace
}  // namespace clipglass::train
