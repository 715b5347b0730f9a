#include "train/stylegan2_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "train/referee.h"
#include "train/training_common.h"
#include "train/world_batches.h"
#include "worker/models/stylegan2_discriminator.h"
#include "worker/models/stylegan2_generator.h"
#include "worker/models/torch_device.h"
#include "worker/models/torch_runtime.h"
#include "worker/weights/state_dict.h"

namespace clipglass::train {

using models::stylegan2::Discriminator;
using models::stylegan2::DiscriminatorImpl;
using models::stylegan2::Generator;
using models::stylegan2::GeneratorImpl;

namespace {

// stylegan2-ada-pytorch's MappingNetwork w_avg_beta.
constexpr double kWAvgBeta = 0.995;

void SetRequiresGrad(torch::nn::Module& module, bool requires_grad) {
  for (at::Tensor& p : module.parameters()) p.requires_grad_(requires_grad);
}

// G(z) as NVIDIA trains it: mapping, broadcast (no truncation), synthesis with fresh random noise
// from `gen`, out-of-place modulated convolutions. Optionally tracks mapping.w_avg.
at::Tensor RunGenerator(GeneratorImpl& g, const at::Tensor& z, at::Generator& gen, bool track_w_avg,
                        at::MemoryFormat memory_format) {
  const at::Tensor w = g.mapping->forward(z);  // w: [B, w_dim]
  if (track_w_avg && g.mapping->w_avg.defined()) {
    torch::NoGradGuard no_grad;
    g.mapping->w_avg.copy_(w.detach().mean(0).lerp(g.mapping->w_avg, kWAvgBeta));
  }
  const at::Tensor ws = g.mapping->Broadcast(w);  // ws: [B, num_ws, w_dim]
  std::vector<at::Tensor> noise;
  for (const int64_t res : g.synthesis->NoiseResolutions()) {
    noise.push_back(at::randn({z.size(0), 1, res, res}, gen).to(z.device()));  // [B, 1, res, res]
  }
  models::stylegan2::SynthesisArgs args;
  args.noise_mode = models::NoiseMode::kRandom;
  args.random_noise = &noise;
  args.modconv = models::stylegan2::ModConvImpl::kShared;
  args.memory_format = memory_format;
  return g.synthesis->forward(ws, args);  // [B, 3, R, R]
}

double MeanOf(const at::Tensor& t) { return t.mean().item<double>(); }

}  // namespace

Stylegan2RefereeStats JudgeWithReferee(const Referee& referee, const at::Tensor& images) {
  torch::NoGradGuard no_grad;
  const std::vector<RefereeJudgement> judged =
      referee.Judge(((images.to(at::kFloat) + 1.0) / 2.0).clamp(0.0, 1.0));
  Stylegan2RefereeStats stats;
  stats.count = static_cast<int64_t>(judged.size());
  std::set<int> combinations;
  std::set<int> clean_combinations;
  for (const RefereeJudgement& j : judged) {
    const float confidence = j.MinConfidence();
    stats.mean_min_confidence += confidence;
    combinations.insert(world::CombinationIndex(j.attributes));
    if (confidence >= 0.5f) stats.half_confident += 1.0;
    if (confidence >= 0.9f) {
      stats.clean += 1.0;
      clean_combinations.insert(world::CombinationIndex(j.attributes));
    }
  }
  if (stats.count > 0) {
    stats.clean /= static_cast<double>(stats.count);
    stats.half_confident /= static_cast<double>(stats.count);
    stats.mean_min_confidence /= static_cast<double>(stats.count);
  }
  stats.distinct = static_cast<int64_t>(combinations.size());
  stats.distinct_clean = static_cast<int64_t>(clean_combinations.size());
  return stats;
}

Status ValidateStylegan2TrainOptions(const Stylegan2TrainOptions& o) {
  auto bad = [](const std::string& what) {
    return InvalidArgumentError("stylegan2 training: " + what);
  };
  if (o.resolution < 8 || (o.resolution & (o.resolution - 1)) != 0) {
    return bad(fmt::format("resolution {} is not a power of two >= 8", o.resolution));
  }
  if (o.channel_base <= 0 || o.channel_max <= 0)
    return bad("channel_base and channel_max must be > 0");
  if (o.channel_base / o.resolution < 1) {
    return bad(
        fmt::format("channel_base {} gives no channels at {} px", o.channel_base, o.resolution));
  }
  if (o.z_dim <= 0 || o.w_dim <= 0 || o.mapping_layers <= 0) {
    return bad("z_dim, w_dim and mapping_layers must be > 0");
  }
  if (o.steps < 0) return bad(fmt::format("--steps {} is negative", o.steps));
  if (o.batch < 4 || o.batch % 4 != 0) {
    return bad(fmt::format("--batch {} is not a positive multiple of 4 (D's minibatch-std groups)",
                           o.batch));
  }
  if (!(o.lr > 0.0)) return bad(fmt::format("--lr {} must be > 0", o.lr));
  if (o.beta1 < 0.0 || o.beta1 >= 1.0 || o.beta2 < 0.0 || o.beta2 >= 1.0) {
    return bad("Adam betas must be in [0, 1)");
  }
  if (o.r1_gamma < 0.0 || o.r1_interval < 0) return bad("r1_gamma and r1_interval must be >= 0");
  if (o.ema_kimg < 0.0 || o.ema_rampup < 0.0) return bad("ema_kimg and ema_rampup must be >= 0");
  if (o.heldout_fraction < 0.0 || o.heldout_fraction > 1.0) {
    return bad(fmt::format("heldout_fraction {} is not in [0, 1]", o.heldout_fraction));
  }
  if (o.threads < 0) return bad(fmt::format("--threads {} is negative", o.threads));
  CG_RETURN_IF_ERROR(models::ResolveTorchDevice(o.device, "stylegan2 training").status());
  if (o.eval_images < 4 || o.eval_images % 4 != 0) {
    return bad(fmt::format("eval_images {} is not a positive multiple of 4", o.eval_images));
  }
  return Status::Ok();
}

models::Stylegan2GeneratorConfig Stylegan2TrainGeneratorConfig(const Stylegan2TrainOptions& o) {
  models::Stylegan2GeneratorConfig config = models::MakeStylegan2GeneratorConfig(
      o.resolution, o.channel_base, o.channel_max, o.z_dim, o.w_dim, o.mapping_layers);
  return config;
}

models::Stylegan2DiscriminatorConfig Stylegan2TrainDiscriminatorConfig(
    const Stylegan2TrainOptions& o) {
  return models::MakeStylegan2DiscriminatorConfig(o.resolution, o.channel_base, o.channel_max);
}

struct Stylegan2Trainer::State {
  Generator g{nullptr};
  Generator g_ema{nullptr};
  Discriminator d{nullptr};
  std::unique_ptr<torch::optim::Adam> g_opt;
  std::unique_ptr<torch::optim::Adam> d_opt;
  at::Generator gen;  // latents, noise, minibatch order (drawn on the CPU, then moved)
  c10::Device device{c10::kCPU};
};

Stylegan2Trainer::Stylegan2Trainer(const Stylegan2TrainOptions& options)
    : options_(options), state_(std::make_unique<State>()) {
  const models::Stylegan2GeneratorConfig g_config = Stylegan2TrainGeneratorConfig(options);
  const models::Stylegan2DiscriminatorConfig d_config = Stylegan2TrainDiscriminatorConfig(options);
  // NVIDIA's constructors are the initialisation: weights N(0, 1) (mapping: / lr multiplier),
  // biases 0 (affine: 1), const and noise_const N(0, 1), noise_strength 0.
  at::manual_seed(options.seed);
  State& s = *state_;
  s.g = Generator(g_config);
  s.d = Discriminator(d_config);
  s.g_ema = Generator(g_config);
  {
    torch::NoGradGuard no_grad;
    const auto src = s.g->named_parameters();
    for (auto& item : s.g_ema->named_parameters()) item.value().copy_(src[item.key()]);
    const auto src_buffers = s.g->named_buffers();
    for (auto& item : s.g_ema->named_buffers()) item.value().copy_(src_buffers[item.key()]);
  }
  s.device = models::ResolveTorchDevice(options.device, "stylegan2 training").value();
  s.g->to(s.device);
  s.d->to(s.device);
  s.g_ema->to(s.device);
  s.g->train();
  s.d->train();
  s.g_ema->eval();
  SetRequiresGrad(*s.g, true);
  SetRequiresGrad(*s.d, true);
  SetRequiresGrad(*s.g_ema, false);
  s.gen = at::detail::createCPUGenerator(options.seed * 0x9E3779B97F4A7C15ull + 1);

  s.g_opt = std::make_unique<torch::optim::Adam>(
      s.g->parameters(),
      torch::optim::AdamOptions(options.lr).betas({options.beta1, options.beta2}).eps(1e-8));
  // Lazy regularisation (StyleGAN2 appendix B): with R1 every k steps, lr and betas are adjusted
  // by k / (k + 1) so that the optimiser's effective step is unchanged.
  const double ratio = options.r1_interval > 0
                           ? static_cast<double>(options.r1_interval) / (options.r1_interval + 1)
                           : 1.0;
  s.d_opt = std::make_unique<torch::optim::Adam>(
      s.d->parameters(),
      torch::optim::AdamOptions(options.lr * ratio)
          .betas({std::pow(options.beta1, ratio), std::pow(options.beta2, ratio)})
          .eps(1e-8));
}

Stylegan2Trainer::~Stylegan2Trainer() = default;

GeneratorImpl& Stylegan2Trainer::generator() { return *state_->g; }
GeneratorImpl& Stylegan2Trainer::ema() { return *state_->g_ema; }
DiscriminatorImpl& Stylegan2Trainer::discriminator() { return *state_->d; }

at::MemoryFormat Stylegan2Trainer::MemoryFormat() const {
  return options_.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

Stylegan2StepStats Stylegan2Trainer::Step() {
  State& s = *state_;
  const int64_t batch = options_.batch;
  Stylegan2StepStats stats;

  // G step: non-saturating loss softplus(-D(G(z))). D's weights take no gradient here.
  SetRequiresGrad(*s.d, false);
  {
    const at::Tensor z = at::randn({batch, options_.z_dim}, s.gen).to(s.device);  // [B, z_dim]
    const at::Tensor fake = RunGenerator(*s.g, z, s.gen, /*track_w_avg=*/true, MemoryFormat());
    const at::Tensor logits = s.d->forward(fake, at::kFloat, MemoryFormat());  // [B, 1]
    const at::Tensor loss = at::softplus(-logits).mean();
    s.g_opt->zero_grad();
    loss.backward();
    s.g_opt->step();
    stats.g_loss = loss.item<double>();
  }
  SetRequiresGrad(*s.d, true);

  // D step: softplus(D(G(z))) + softplus(-D(x)), with lazy R1 on the reals.
  {
    at::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      const at::Tensor z = at::randn({batch, options_.z_dim}, s.gen).to(s.device);
      fake = RunGenerator(*s.g, z, s.gen, /*track_w_avg=*/false, MemoryFormat());
    }
    const int64_t heldout = std::llround(static_cast<double>(batch) * options_.heldout_fraction);
    const int64_t train = batch - heldout;
    std::vector<at::Tensor> parts;
    const int side = static_cast<int>(options_.resolution);
    if (train > 0) {
      parts.push_back(MakeWorldBatch(world::Split::kTrain, options_.seed, next_train_index_,
                                     static_cast<int>(train), side)
                          .images);
      next_train_index_ += train;
    }
    if (heldout > 0) {
      parts.push_back(MakeWorldBatch(world::Split::kHeldOut, options_.seed, next_heldout_index_,
                                     static_cast<int>(heldout), side)
                          .images);
      next_heldout_index_ += heldout;
    }
    const at::Tensor order = at::randperm(batch, s.gen);
    at::Tensor real =
        (at::cat(parts, 0).index_select(0, order).to(s.device) * 2.0 - 1.0).contiguous();
    const bool do_r1 = options_.r1_interval > 0 && options_.r1_gamma > 0.0 &&
                       steps_done_ % options_.r1_interval == 0;
    if (do_r1) real.requires_grad_(true);

    const at::Tensor fake_logits = s.d->forward(fake, at::kFloat, MemoryFormat());  // [B, 1]
    const at::Tensor real_logits = s.d->forward(real, at::kFloat, MemoryFormat());  // [B, 1]
    at::Tensor loss = at::softplus(fake_logits).mean() + at::softplus(-real_logits).mean();
    stats.d_loss = loss.item<double>();
    if (do_r1) {
      const at::Tensor grad = torch::autograd::grad({real_logits.sum()}, {real},
                                                    /*grad_outputs=*/{}, /*retain_graph=*/true,
                                                    /*create_graph=*/true)[0];  // [B, 3, R, R]
      const at::Tensor penalty = grad.square().sum({1, 2, 3});                  // [B]
      loss = loss + penalty.mean() * (options_.r1_gamma / 2.0 * options_.r1_interval);
      stats.r1 = penalty.mean().item<double>();
    }
    s.d_opt->zero_grad();
    loss.backward();
    s.d_opt->step();
    stats.real_logit = MeanOf(real_logits.detach());
    stats.fake_logit = MeanOf(fake_logits.detach());
  }

  // EMA of G (NVIDIA's training_loop.py): half-life ema_kimg, ramped up over the first images.
  images_seen_ += batch;
  double ema_nimg = options_.ema_kimg * 1000.0;
  if (options_.ema_rampup > 0.0) {
    ema_nimg = std::min(ema_nimg, static_cast<double>(images_seen_) * options_.ema_rampup);
  }
  const double beta = std::pow(0.5, static_cast<double>(batch) / std::max(ema_nimg, 1e-8));
  {
    torch::NoGradGuard no_grad;
    const auto params = s.g->parameters();
    auto ema_params = s.g_ema->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      ema_params[i].copy_(params[i].detach().lerp(ema_params[i], beta));
    }
    const auto buffers = s.g->buffers();
    auto ema_buffers = s.g_ema->buffers();
    for (size_t i = 0; i < buffers.size(); ++i) ema_buffers[i].copy_(buffers[i]);
  }

  stats.step = ++steps_done_;
  return stats;
}

at::Tensor Stylegan2Trainer::SampleEma(const at::Tensor& z) {
  torch::NoGradGuard no_grad;
  models::stylegan2::SynthesisArgs args;
  args.noise_mode = models::NoiseMode::kConst;
  args.modconv = models::stylegan2::ModConvImpl::kShared;
  return state_->g_ema->forward(z.to(state_->device), /*psi=*/1.0, std::nullopt, args)
      .to(at::kCPU);  // [B, 3, R, R]
}

Stylegan2Scores Stylegan2Trainer::Score(int64_t count, uint64_t seed) {
  torch::NoGradGuard no_grad;
  State& s = *state_;
  s.d->eval();
  const int side = static_cast<int>(options_.resolution);
  at::Generator gen = at::detail::createCPUGenerator(seed);
  // D in chunks of up to 64 images of one kind (minibatch-std groups never mix kinds).
  auto logits_of = [&](const at::Tensor& images) {
    std::vector<at::Tensor> out;
    for (int64_t i = 0; i < images.size(0); i += 64) {
      const int64_t n = std::min<int64_t>(64, images.size(0) - i);
      out.push_back(s.d->forward(images.narrow(0, i, n).to(s.device)).to(at::kCPU));
    }
    return at::cat(out, 0).flatten();  // [count]
  };
  const int n = static_cast<int>(count);
  const at::Tensor heldout =
      MakeWorldBatch(world::Split::kHeldOut, seed, 0, n, side).images * 2.0 - 1.0;
  const at::Tensor train =
      MakeWorldBatch(world::Split::kTrain, seed, 0, n, side).images * 2.0 - 1.0;
  const at::Tensor samples = SampleEma(at::randn({count, options_.z_dim}, gen));
  const at::Tensor noise = at::rand({count, 3, side, side}, gen) * 2.0 - 1.0;
  const at::Tensor grey = at::zeros({count, 3, side, side});

  Stylegan2Scores scores;
  const at::Tensor heldout_logits = logits_of(heldout);
  const at::Tensor noise_logits = logits_of(noise);
  scores.heldout_real = MeanOf(heldout_logits);
  scores.train_real = MeanOf(logits_of(train));
  scores.ema_samples = MeanOf(logits_of(samples));
  scores.noise = MeanOf(noise_logits);
  scores.flat_grey = MeanOf(logits_of(grey));
  scores.real_above_noise =
      MeanOf((heldout_logits.unsqueeze(1) > noise_logits.unsqueeze(0)).to(at::kDouble));
  s.d->train();
  return scores;
}

Status Stylegan2Trainer::Save(const std::string& dir) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InternalError(fmt::format("{}: cannot create the folder: {}", dir, ec.message()));
  const std::map<std::string, std::string> metadata = {
      {"model", "stylegan2"},
      {"trained_by", "clipglass train stylegan2"},
      {"steps", std::to_string(steps_done_)},
      {"batch", std::to_string(options_.batch)},
      {"seed", std::to_string(options_.seed)},
      {"mapping_lr_multiplier", "0.01"},
      {"mbstd_group_size", "4"},
  };
  std::map<std::string, std::string> g_metadata = metadata;
  g_metadata["network"] = "G_ema";
  g_metadata["config"] = models::Describe(state_->g_ema->config());
  CG_RETURN_IF_ERROR(weights::SaveSafetensors(
      (std::filesystem::path(dir) / kStylegan2GeneratorFile).string(),
      ParameterAndBufferTensors(*state_->g_ema, /*half=*/false), g_metadata));
  std::map<std::string, std::string> d_metadata = metadata;
  d_metadata["network"] = "D";
  d_metadata["config"] = models::Describe(state_->d->config());
  return weights::SaveSafetensors(
      (std::filesystem::path(dir) / kStylegan2DiscriminatorFile).string(),
      ParameterAndBufferTensors(*state_->d, /*half=*/false), d_metadata);
}

StatusOr<double> TrainStylegan2Steps(Stylegan2Trainer& trainer, int64_t steps, double max_seconds,
                                     std::FILE* log) {
  const int64_t log_every = trainer.options().log_every;
  const int64_t batch = trainer.options().batch;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  Clock::time_point window_start = start;
  double d_sum = 0.0, g_sum = 0.0, real_sum = 0.0, fake_sum = 0.0, last_r1 = 0.0;
  int64_t window = 0;
  const int64_t last = trainer.steps_done() + steps;
  while (trainer.steps_done() < last) {
    const Stylegan2StepStats stats = trainer.Step();
    if (!std::isfinite(stats.d_loss) || !std::isfinite(stats.g_loss)) {
      return InternalError(
          fmt::format("stylegan2 training: step {}: loss is not finite (D {}, G {})", stats.step,
                      stats.d_loss, stats.g_loss));
    }
    d_sum += stats.d_loss;
    g_sum += stats.g_loss;
    real_sum += stats.real_logit;
    fake_sum += stats.fake_logit;
    if (stats.r1 >= 0.0) last_r1 = stats.r1;
    ++window;
    const Clock::time_point now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const bool out_of_time = max_seconds > 0.0 && elapsed >= max_seconds;
    if (log_every > 0 && (stats.step % log_every == 0 || stats.step == last || out_of_time)) {
      const double seconds = std::chrono::duration<double>(now - window_start).count();
      std::fprintf(log,
                   "step %6lld  D %.4f  G %.4f  R1 %.4f  D(real) %+.3f  D(fake) %+.3f  "
                   "img/s %.1f  elapsed %.0fs\n",
                   static_cast<long long>(stats.step), d_sum / window, g_sum / window, last_r1,
                   real_sum / window, fake_sum / window,
                   static_cast<double>(window * batch) / std::max(seconds, 1e-9), elapsed);
      std::fflush(log);
      d_sum = g_sum = real_sum = fake_sum = 0.0;
      window = 0;
      window_start = now;
    }
    if (out_of_time) break;
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Status WriteStylegan2Metrics(Stylegan2Trainer& trainer, double train_seconds, int threads,
                             const std::string& out_dir, std::FILE* log) {
  const Stylegan2TrainOptions& options = trainer.options();
  const Stylegan2Scores scores = trainer.Score(options.eval_images, options.seed + 2);
  std::fprintf(log,
               "D mean logit: held-out renders %+.3f, train renders %+.3f, G_ema samples "
               "%+.3f, uniform noise %+.3f, flat grey %+.3f; P(D(held-out) > D(noise)) = "
               "%.3f\n",
               scores.heldout_real, scores.train_real, scores.ema_samples, scores.noise,
               scores.flat_grey, scores.real_above_noise);
  nlohmann::json metrics = {
      {"steps", trainer.steps_done()},
      {"batch", options.batch},
      {"seed", options.seed},
      {"threads", threads},
      {"device", options.device},
      {"train_seconds", train_seconds},
      {"eval_images", options.eval_images},
      {"d_mean_logit",
       {{"heldout_real", scores.heldout_real},
        {"train_real", scores.train_real},
        {"ema_samples", scores.ema_samples},
        {"uniform_noise", scores.noise},
        {"flat_grey", scores.flat_grey}}},
      {"p_heldout_real_above_noise", scores.real_above_noise},
  };
  if (!options.referee_path.empty()) {
    CG_ASSIGN_OR_RETURN(std::unique_ptr<Referee> referee, Referee::Load(options.referee_path));
    at::Generator gen = at::detail::createCPUGenerator(options.seed + 3);
    const Stylegan2RefereeStats judged =
        JudgeWithReferee(*referee, trainer.SampleEma(at::randn({1024, options.z_dim}, gen)));
    std::fprintf(log,
                 "referee on %lld G_ema samples: clean (min confidence >= 0.9) %.3f, >= 0.5 "
                 "%.3f, mean min confidence %.3f, %lld distinct combinations (%lld clean)\n",
                 static_cast<long long>(judged.count), judged.clean, judged.half_confident,
                 judged.mean_min_confidence, static_cast<long long>(judged.distinct),
                 static_cast<long long>(judged.distinct_clean));
    metrics["referee"] = {{"samples", judged.count},
                          {"clean", judged.clean},
                          {"half_confident", judged.half_confident},
                          {"mean_min_confidence", judged.mean_min_confidence},
                          {"distinct_combinations", judged.distinct},
                          {"distinct_clean_combinations", judged.distinct_clean}};
  }
  const std::filesystem::path path = std::filesystem::path(out_dir) / kStylegan2MetricsFile;
  std::ofstream file(path, std::ios::trunc);
  file << metrics.dump(2) << "\n";
  if (!file) return InternalError(path.string() + ": cannot write");
  return Status::Ok();
}

}  // namespace clipglass::train
