// Adversarial training of the demo world's tiny StyleGAN2 generator and discriminator: the
// project's own modules (worker/models/stylegan2_*), only smaller, trained with StyleGAN2's
// objective and written in NVIDIA's key naming, so the shipped files load through the same code
// as a released G_ema / D checkpoint.
//
// Objective (StyleGAN2, Karras et al. 2020, sec. 2 and appendix B; stylegan2-ada-pytorch
// training/loss.py): non-saturating logistic loss, softplus(-D(G(z))) for G and
// softplus(D(G(z))) + softplus(-D(x)) for D, plus the R1 penalty gamma/2 * |grad_x D(x)|^2 on
// reals, lazily every `r1_interval` D steps (scaled by the interval, Adam's lr and betas adjusted
// by interval / (interval + 1)). Adam (lr 0.002, betas (0, 0.99), eps 1e-8), an exponential moving
// average of G's weights with NVIDIA's half-life ramp-up, G's mapping.w_avg tracked with beta
// 0.995. Random synthesis noise while training. No style mixing and no path-length
// regularisation (the cifar configuration of stylegan2-ada-pytorch uses neither).
//
// Data: world renders at `resolution` px, mapped from [0, 1] to [-1, 1], from BOTH splits (every
// attribute combination): each minibatch takes round(batch * heldout_fraction) held-out examples.
//
// Reproducible: one seed drives initialisation, latents, noise and data; on one thread two runs
// with the same options give the same bits.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "common/status.h"
#include "worker/models/stylegan2_config.h"

namespace clipglass::models::stylegan2 {
class GeneratorImpl;
class DiscriminatorImpl;
}  // namespace clipglass::models::stylegan2

namespace clipglass::train {

// The file names a run writes into its output folder (the shipped weights/demo/ names).
inline constexpr char kStylegan2GeneratorFile[] = "stylegan2_G.safetensors";
inline constexpr char kStylegan2DiscriminatorFile[] = "stylegan2_D.safetensors";
inline constexpr char kStylegan2SamplesFile[] = "stylegan2_samples.png";
inline constexpr char kStylegan2MetricsFile[] = "stylegan2_metrics.json";

struct Stylegan2TrainOptions {
  // Architecture (NVIDIA's channels_dict: channels at res = min(channel_base / res, channel_max)).
  int64_t resolution = 32;
  int64_t channel_base = 512;
  int64_t channel_max = 32;
  int64_t z_dim = 32;
  int64_t w_dim = 32;
  int64_t mapping_layers = 2;

  // Optimisation.
  int64_t steps = 30000;  // G steps (each with one D step); the shipped run
  int64_t batch = 32;     // images per step; a multiple of 4 (D's minibatch-std groups)
  double lr = 0.002;      // Adam, both networks
  double beta1 = 0.0;
  double beta2 = 0.99;
  double r1_gamma = 1.0;          // R1 weight gamma (0.01 let D run away here; see docs)
  int64_t r1_interval = 16;       // lazy regularisation: R1 every N D steps (0: never)
  double ema_kimg = 10.0;         // half-life of G's EMA, in thousands of images
  double ema_rampup = 0.05;       // half-life <= ema_rampup * images seen so far (0: no ramp-up)
  double heldout_fraction = 0.1;  // share of held-out combinations in each minibatch

  // Feature maps in channels-last memory (oneDNN's faster layout for these small convolutions on
  // CPU); the same function either way.
  bool channels_last = false;

  uint64_t seed = 1;
  int threads = 1;  // LibTorch/OpenBLAS threads (0: every core)
  // Where G, D and the minibatches live: "cpu" or "cuda[:N]". Initialisation, latents, noise and
  // data are drawn on the CPU either way, so a run starts from the same networks on any device.
  std::string device = "cpu";
  int64_t log_every = 50;     // progress line every N steps (0: never)
  int64_t eval_images = 256;  // per kind of image in the final D scores
  // A referee (train/referee.h) that judges 1024 G_ema samples at the end; empty: none.
  std::string referee_path;
};

// One line naming the first invalid field, or OK.
Status ValidateStylegan2TrainOptions(const Stylegan2TrainOptions& options);

// The generator configuration the options describe (NVIDIA's defaults otherwise).
models::Stylegan2GeneratorConfig Stylegan2TrainGeneratorConfig(
    const Stylegan2TrainOptions& options);
models::Stylegan2DiscriminatorConfig Stylegan2TrainDiscriminatorConfig(
    const Stylegan2TrainOptions& options);

// What one training step measured.
struct Stylegan2StepStats {
  int64_t step = 0;       // steps done after this one (1-based)
  double d_loss = 0.0;    // softplus(D(G(z))) + softplus(-D(x)), batch mean
  double g_loss = 0.0;    // softplus(-D(G(z))), batch mean
  double r1 = -1.0;       // mean |grad_x D(x)|^2 when this step ran R1, else -1
  double real_logit = 0;  // mean D(x) and D(G(z)) of the D step
  double fake_logit = 0;
};

// Mean discriminator logits on kinds of images (higher = more real-looking to D).
struct Stylegan2Scores {
  double heldout_real = 0.0;  // renders of held-out attribute combinations
  double train_real = 0.0;    // renders of training combinations
  double ema_samples = 0.0;   // G_ema(z), const noise, psi 1 (what the search sees)
  double noise = 0.0;         // uniform noise in [-1, 1]
  double flat_grey = 0.0;     // a constant mid-grey image
  // Fraction of samples in which D ranks a held-out real above a uniform-noise image, pairwise.
  double real_above_noise = 0.0;
};

// What the referee reads in generated images. "Clean": every head at least 0.9 confident.
struct Stylegan2RefereeStats {
  int64_t count = 0;
  double clean = 0.0;                // fraction with min confidence >= 0.9
  double half_confident = 0.0;       // fraction with min confidence >= 0.5
  double mean_min_confidence = 0.0;  // mean over images of the lowest head confidence
  int64_t distinct = 0;              // distinct attribute combinations read (of 240)
  int64_t distinct_clean = 0;        // ... among the clean images
};

class Referee;

// The referee's reading of images [B, 3, R, R] in [-1, 1] (clamped, mapped to [0, 1]).
Stylegan2RefereeStats JudgeWithReferee(const Referee& referee, const at::Tensor& images);

class Stylegan2Trainer {
 public:
  // Builds G, G_ema and D with NVIDIA's initialisation from `options.seed`. Options must be valid.
  explicit Stylegan2Trainer(const Stylegan2TrainOptions& options);
  ~Stylegan2Trainer();
  Stylegan2Trainer(const Stylegan2Trainer&) = delete;
  Stylegan2Trainer& operator=(const Stylegan2Trainer&) = delete;

  // One G step, one D step (with R1 on every r1_interval-th), the EMA update.
  Stylegan2StepStats Step();
  int64_t steps_done() const { return steps_done_; }
  const Stylegan2TrainOptions& options() const { return options_; }

  models::stylegan2::GeneratorImpl& generator();  // the trained G
  models::stylegan2::GeneratorImpl& ema();        // its moving average (the one shipped)
  models::stylegan2::DiscriminatorImpl& discriminator();

  // G_ema(z) as the evaluator runs it (const noise, no truncation), without gradients:
  // z [B, z_dim] -> img [B, 3, R, R] float32 on the CPU, roughly in [-1, 1].
  at::Tensor SampleEma(const at::Tensor& z);

  // D scores on `count` images of each kind (count a multiple of 4), from `seed`.
  Stylegan2Scores Score(int64_t count, uint64_t seed);

  // Writes G_ema and D as safetensors (float32, every parameter and buffer under NVIDIA's
  // names) into `dir`: kStylegan2GeneratorFile, kStylegan2DiscriminatorFile.
  Status Save(const std::string& dir) const;

 private:
  struct State;
  at::MemoryFormat MemoryFormat() const;
  Stylegan2TrainOptions options_;
  std::unique_ptr<State> state_;
  int64_t steps_done_ = 0;
  int64_t images_seen_ = 0;
  uint64_t next_train_index_ = 0;
  uint64_t next_heldout_index_ = 0;
};

// Runs `steps` more training steps, or fewer when `max_seconds` > 0 and that much time has passed
// (the step under way finishes), printing a progress line every options().log_every steps (0:
// never) and at the last. Fails on a non-finite loss. Returns the seconds spent.
StatusOr<double> TrainStylegan2Steps(Stylegan2Trainer& trainer, int64_t steps, double max_seconds,
                                     std::FILE* log);

// The end-of-run judgement: D's scores on renders, samples and junk, and, when the trainer's
// options().referee_path is set, the referee's reading of 1024 G_ema samples; printed to `log`
// and written as kStylegan2MetricsFile into `out_dir` (which must exist).
Status WriteStylegan2Metrics(Stylegan2Trainer& trainer, double train_seconds, int threads,
                             const std::string& out_dir, std::FILE* log);

}  // namespace clipglass::train
