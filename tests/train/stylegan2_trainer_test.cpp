// The tiny StyleGAN2 trainer: the autograd path of the modulated convolution computes the same
// function and gradients as the inference kernels; a few-step training has finite losses and
// moves G's weights; the written files load through the real loader and reproduce G_ema; the step
// loop counts on and stops at its time limit; the metrics file records steps done and device.
#include "train/stylegan2_trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "train/referee.h"
#include "train/stylegan2_run.h"
#include "worker/models/stylegan2.h"
#include "worker/models/stylegan2_discriminator.h"
#include "worker/models/stylegan2_generator.h"
#include "worker/models/stylegan2_ops.h"
#include "worker/models/torch_runtime.h"
#include "worker/weights/state_dict.h"

namespace clipglass::train {
namespace {

namespace sg = models::stylegan2;

// Small enough for a unit test on one thread.
Stylegan2TrainOptions TinyOptions() {
  Stylegan2TrainOptions o;
  o.resolution = 16;
  o.channel_base = 128;
  o.channel_max = 16;
  o.z_dim = 8;
  o.w_dim = 8;
  o.mapping_layers = 2;
  o.batch = 8;
  o.r1_interval = 2;  // R1 runs within a few steps
  o.r1_gamma = 0.1;
  o.seed = 7;
  o.threads = 1;
  o.eval_images = 8;
  return o;
}

std::string TempDir(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("stylegan2_trainer_" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

class Stylegan2TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override { models::ConfigureTorchThreads(1); }
};

// The training path (autograd on: out of place) gives the inference result, and its gradients
// match those of the grouped (NVIDIA evaluation) formulation, for up-sampling, plain and ToRGB
// layers.
TEST_F(Stylegan2TrainerTest, ModulatedConvTrainingPathMatchesInferenceAndGroupedGradients) {
  torch::manual_seed(3);
  const at::Tensor filter = sg::DefaultResampleFilter();
  struct Case {
    int64_t up;
    int64_t k;
    bool demodulate;
    bool lrelu;
    bool noise;
  };
  for (const Case c : {Case{2, 3, true, true, true}, Case{1, 3, true, true, true},
                       Case{1, 1, false, false, false}}) {
    SCOPED_TRACE(::testing::Message() << "up " << c.up << " k " << c.k);
    const at::Tensor x0 = torch::randn({4, 5, 6, 6});
    const at::Tensor w0 = torch::randn({7, 5, c.k, c.k});
    const at::Tensor s0 = torch::randn({4, 5});
    const at::Tensor b0 = torch::randn({7});
    const int64_t out = 6 * c.up;
    const at::Tensor n0 = c.noise ? torch::randn({4, 1, out, out}) : at::Tensor();
    const int64_t pad = c.k / 2;

    at::Tensor inference;
    {
      c10::InferenceMode guard;
      inference = sg::ModulatedConv2dBiasAct(x0, w0, s0, n0, c.up, pad, filter, c.demodulate,
                                             c.up == 1, sg::ModConvImpl::kShared, b0, c.lrelu,
                                             c.lrelu ? sg::kLreluGain : 1.0, std::nullopt);
    }
    auto run = [&](sg::ModConvImpl impl) {
      at::Tensor x = x0.clone().requires_grad_(true);
      at::Tensor w = w0.clone().requires_grad_(true);
      at::Tensor s = s0.clone().requires_grad_(true);
      at::Tensor b = b0.clone().requires_grad_(true);
      const at::Tensor y =
          sg::ModulatedConv2dBiasAct(x, w, s, n0, c.up, pad, filter, c.demodulate, c.up == 1, impl,
                                     b, c.lrelu, c.lrelu ? sg::kLreluGain : 1.0, std::nullopt);
      (y * y.detach().sin()).sum().backward();  // a loss with a non-trivial gradient
      return std::vector<at::Tensor>{y.detach(), x.grad(), w.grad(), s.grad(), b.grad()};
    };
    const std::vector<at::Tensor> shared = run(sg::ModConvImpl::kShared);
    const std::vector<at::Tensor> grouped = run(sg::ModConvImpl::kGrouped);
    EXPECT_TRUE(torch::allclose(shared[0], inference, 1e-5, 1e-5));
    for (size_t i = 0; i < shared.size(); ++i) {
      SCOPED_TRACE(i);
      ASSERT_TRUE(shared[i].defined());
      EXPECT_TRUE(torch::allclose(shared[i], grouped[i], 1e-4, 1e-4))
          << (shared[i] - grouped[i]).abs().max().item<double>();
    }
  }
}

TEST_F(Stylegan2TrainerTest, RejectsBadOptionsNamingTheField) {
  Stylegan2TrainOptions o = TinyOptions();
  o.batch = 6;
  const Status status = ValidateStylegan2TrainOptions(o);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("--batch 6"), std::string::npos) << status.message();
  o = TinyOptions();
  o.resolution = 24;
  EXPECT_FALSE(ValidateStylegan2TrainOptions(o).ok());
  o = TinyOptions();
  o.device = "gpu";
  const Status device = ValidateStylegan2TrainOptions(o);
  EXPECT_NE(device.message().find("stylegan2 training: unknown device 'gpu'"), std::string::npos)
      << device.message();
  EXPECT_TRUE(ValidateStylegan2TrainOptions(TinyOptions()).ok());
}

// The step loop counts from where the trainer is, stops after the step under way once its time
// limit has passed, and logs each window and the last step.
TEST_F(Stylegan2TrainerTest, StepLoopCountsOnAndStopsAtItsTimeLimit) {
  Stylegan2TrainOptions options = TinyOptions();
  options.log_every = 2;
  Stylegan2Trainer trainer(options);
  testing::internal::CaptureStdout();
  ASSERT_TRUE(TrainStylegan2Steps(trainer, 3, /*max_seconds=*/0.0, stdout).ok());
  EXPECT_EQ(trainer.steps_done(), 3);
  ASSERT_TRUE(TrainStylegan2Steps(trainer, 2, 0.0, stdout).ok());
  EXPECT_EQ(trainer.steps_done(), 5);
  // Any step takes longer than a nanosecond: one step, then the limit ends the loop.
  const StatusOr<double> seconds = TrainStylegan2Steps(trainer, 100, 1e-9, stdout);
  const std::string log = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(seconds.ok());
  EXPECT_GT(*seconds, 0.0);
  EXPECT_EQ(trainer.steps_done(), 6);
  EXPECT_NE(log.find("step      2 "), std::string::npos) << log;
  EXPECT_NE(log.find("step      3 "), std::string::npos) << log;  // the first call's last step
  EXPECT_NE(log.find("step      5 "), std::string::npos) << log;
  EXPECT_NE(log.find("step      6 "), std::string::npos) << log;  // the time-limited last step

  // log_every 0: silent, the time-limited last step too.
  options.log_every = 0;
  Stylegan2Trainer quiet(options);
  testing::internal::CaptureStdout();
  ASSERT_TRUE(TrainStylegan2Steps(quiet, 100, 1e-9, stdout).ok());
  EXPECT_EQ(quiet.steps_done(), 1);
  const std::string quiet_log = testing::internal::GetCapturedStdout();
  EXPECT_EQ(quiet_log.find("step      1 "), std::string::npos) << quiet_log;
}

// The metrics file records the steps actually done and the device, beside D's scores.
TEST_F(Stylegan2TrainerTest, MetricsFileRecordsStepsDoneAndDevice) {
  Stylegan2TrainOptions options = TinyOptions();
  options.steps = 1000;  // the configured count; the run below stops after 2
  Stylegan2Trainer trainer(options);
  ASSERT_TRUE(TrainStylegan2Steps(trainer, 2, 0.0, stdout).ok());
  const std::string dir = TempDir("metrics");
  std::filesystem::create_directories(dir);
  std::FILE* sink = std::tmpfile();
  ASSERT_TRUE(WriteStylegan2Metrics(trainer, 1.5, 1, dir, sink).ok());
  std::fclose(sink);
  std::ifstream file(std::filesystem::path(dir) / kStylegan2MetricsFile);
  const nlohmann::json metrics = nlohmann::json::parse(file);
  EXPECT_EQ(metrics.at("steps").get<int64_t>(), 2);
  EXPECT_EQ(metrics.at("device").get<std::string>(), "cpu");
  EXPECT_EQ(metrics.at("train_seconds").get<double>(), 1.5);
  EXPECT_TRUE(std::isfinite(metrics.at("d_mean_logit").at("heldout_real").get<double>()));
  EXPECT_FALSE(metrics.contains("referee"));  // no referee_path
  std::filesystem::remove_all(dir);
}

// A few steps: finite losses, R1 computed, G's and D's weights move, the EMA follows G but is not
// G, and the same seed reproduces the same losses.
TEST_F(Stylegan2TrainerTest, SmokeTrainingHasFiniteLossesAndMovesWeights) {
  const Stylegan2TrainOptions options = TinyOptions();
  Stylegan2Trainer trainer(options);
  const at::Tensor g_before =
      trainer.generator().synthesis->blocks.back().second->conv1->weight.clone();
  const at::Tensor map_before = trainer.generator().mapping->fc[0]->weight.clone();
  const at::Tensor d_before = trainer.discriminator().b4->out->weight.clone();
  const at::Tensor w_avg_before = trainer.generator().mapping->w_avg.clone();
  std::vector<Stylegan2StepStats> stats;
  for (int i = 0; i < 4; ++i) stats.push_back(trainer.Step());
  int r1_steps = 0;
  for (const Stylegan2StepStats& s : stats) {
    EXPECT_TRUE(std::isfinite(s.d_loss));
    EXPECT_TRUE(std::isfinite(s.g_loss));
    EXPECT_GT(s.d_loss, 0.0);
    EXPECT_GT(s.g_loss, 0.0);
    if (s.r1 >= 0.0) {
      EXPECT_TRUE(std::isfinite(s.r1));
      EXPECT_GT(s.r1, 0.0);
      ++r1_steps;
    }
  }
  EXPECT_EQ(r1_steps, 2);  // steps 0 and 2 with interval 2
  EXPECT_EQ(trainer.steps_done(), 4);
  const auto& g = trainer.generator();
  EXPECT_FALSE(torch::equal(g.synthesis->blocks.back().second->conv1->weight, g_before));
  EXPECT_FALSE(torch::equal(g.mapping->fc[0]->weight, map_before));
  EXPECT_FALSE(torch::equal(trainer.discriminator().b4->out->weight, d_before));
  EXPECT_FALSE(torch::equal(g.mapping->w_avg, w_avg_before));
  // The EMA moved towards G but lags it.
  const at::Tensor ema_w = trainer.ema().synthesis->blocks.back().second->conv1->weight;
  EXPECT_FALSE(torch::equal(ema_w, g_before));
  EXPECT_FALSE(torch::equal(ema_w, g.synthesis->blocks.back().second->conv1->weight));
  // Parameters train; the EMA does not take gradients.
  EXPECT_TRUE(g.mapping->fc[0]->weight.requires_grad());
  EXPECT_FALSE(trainer.ema().mapping->fc[0]->weight.requires_grad());

  Stylegan2Trainer again(options);
  for (int i = 0; i < 4; ++i) {
    const Stylegan2StepStats s = again.Step();
    EXPECT_EQ(s.d_loss, stats[i].d_loss) << "step " << i;
    EXPECT_EQ(s.g_loss, stats[i].g_loss) << "step " << i;
  }
}

// The written G_ema and D load through the real loader (config detected from the tensors) and
// give the in-memory networks' outputs.
TEST_F(Stylegan2TrainerTest, WrittenFilesLoadAndReproduceTheEmaGenerator) {
  const Stylegan2TrainOptions options = TinyOptions();
  Stylegan2Trainer trainer(options);
  for (int i = 0; i < 2; ++i) trainer.Step();
  const std::string dir = TempDir("save");
  ASSERT_TRUE(trainer.Save(dir).ok());

  const std::string g_path = (std::filesystem::path(dir) / kStylegan2GeneratorFile).string();
  const std::string d_path = (std::filesystem::path(dir) / kStylegan2DiscriminatorFile).string();
  auto g = models::Stylegan2Generator::Load(g_path);
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto d = models::Stylegan2Discriminator::Load(d_path);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ((*g)->config().img_resolution, 16);
  EXPECT_EQ((*g)->config().z_dim, 8);
  EXPECT_EQ((*g)->config().num_mapping_layers(), 2);
  EXPECT_EQ((*d)->config().img_resolution, 16);

  torch::manual_seed(11);
  const at::Tensor z = torch::randn({8, 8});
  const at::Tensor expected = trainer.SampleEma(z);
  auto loaded = (*g)->SynthesizeFromZ(z);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(torch::allclose(*loaded, expected, 1e-5, 1e-5))
      << (*loaded - expected).abs().max().item<double>();
  // Not a constant image: the samples differ between latents.
  EXPECT_GT((expected[0] - expected[1]).abs().max().item<double>(), 1e-3);

  at::Tensor d_expected;
  {
    torch::NoGradGuard no_grad;
    trainer.discriminator().eval();
    d_expected = trainer.discriminator().forward(expected);
  }
  auto d_loaded = (*d)->Logits(expected);
  ASSERT_TRUE(d_loaded.ok()) << d_loaded.status().message();
  EXPECT_TRUE(torch::allclose(*d_loaded, d_expected, 1e-5, 1e-5));

  // The sample grid is a PNG of 8 x 8 tiles.
  const std::string png = (std::filesystem::path(dir) / kStylegan2SamplesFile).string();
  ASSERT_TRUE(WriteStylegan2SampleGrid(trainer, png, 1).ok());
  EXPECT_GT(std::filesystem::file_size(png), 100u);
}

// The scores are finite and computed on every kind of image.
TEST_F(Stylegan2TrainerTest, ScoresAreFinite) {
  Stylegan2Trainer trainer(TinyOptions());
  trainer.Step();
  const Stylegan2Scores scores = trainer.Score(8, 5);
  for (const double v : {scores.heldout_real, scores.train_real, scores.ema_samples, scores.noise,
                         scores.flat_grey}) {
    EXPECT_TRUE(std::isfinite(v));
  }
  EXPECT_GE(scores.real_above_noise, 0.0);
  EXPECT_LE(scores.real_above_noise, 1.0);
}

// The referee's statistics on samples are fractions and counts within range, and on renders of
// one attribute combination a trained-or-not referee reads at most that many combinations.
TEST_F(Stylegan2TrainerTest, RefereeStatsAreWithinRange) {
  Stylegan2Trainer trainer(TinyOptions());
  const std::unique_ptr<Referee> referee = Referee::Create(32, 3);
  const at::Tensor samples = trainer.SampleEma(torch::randn({8, 8}));
  const Stylegan2RefereeStats stats = JudgeWithReferee(*referee, samples);
  EXPECT_EQ(stats.count, 8);
  EXPECT_GE(stats.clean, 0.0);
  EXPECT_LE(stats.clean, stats.half_confident);
  EXPECT_LE(stats.half_confident, 1.0);
  EXPECT_GT(stats.mean_min_confidence, 0.0);
  EXPECT_LE(stats.mean_min_confidence, 1.0);
  EXPECT_GE(stats.distinct, 1);
  EXPECT_LE(stats.distinct, 8);
  EXPECT_LE(stats.distinct_clean, stats.distinct);
  // Eight copies of one image: one combination read.
  const Stylegan2RefereeStats same =
      JudgeWithReferee(*referee, samples.narrow(0, 0, 1).repeat({8, 1, 1, 1}));
  EXPECT_EQ(same.distinct, 1);
}

}  // namespace
}  // namespace clipglass::train
