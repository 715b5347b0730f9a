// StyleGAN2 generator and discriminator, ready to run: loaded from a checkpoint with NVIDIA's key
// names (stylegan2-ada-pytorch G_ema / D), configured from the weights, on a chosen device and
// compute dtype, under inference mode. This is the API the evaluator uses; the modules it wraps are
// in stylegan2_generator.h and stylegan2_discriminator.h.
//
// Search spaces: Z (SynthesizeFromZ, or MapZ + Synthesize), W (BroadcastW + Truncate + Synthesize)
// and W+ (Synthesize on any [B, num_ws, w_dim]).
//
// Thread safety: a loaded model is immutable; its const methods may run concurrently.
// Ref: Karras et al., "Analyzing and Improving the Image Quality of StyleGAN" (2020);
// NVlabs/stylegan2-ada-pytorch (d72cc7d) training/networks.py.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/models/stylegan2_config.h"
#include "worker/models/stylegan2_ops.h"

namespace clipglass::weights {
struct StateDict;
}

namespace clipglass::models {

// Where and how a model runs.
struct Stylegan2RuntimeOptions {
  at::Device device = at::kCPU;
  // Compute dtype of the convolutions: float32 on CPU; float16 or bfloat16 on GPU. Mapping,
  // styles, demodulation, the image accumulation and D's epilogue stay float32, as in NVIDIA's
  // mixed-precision networks. Outputs are float32.
  at::ScalarType dtype = at::kFloat;
  // How modulated convolutions run (same function; kShared is much faster on CPU).
  stylegan2::ModConvImpl modconv = stylegan2::ModConvImpl::kShared;
  // Feature maps in channels-last (NHWC) memory: oneDNN runs the convolutions and the FIR filters
  // of the high-resolution, few-channel layers markedly faster that way (measured 1.1-2x at
  // 256-1024 px on CPU); results are the same function. False: plain NCHW.
  bool channels_last = true;
  // Generator calls on more samples than this are split into chunks (0: never split).
  int64_t max_batch = 0;
};

// Hyper-parameters of the generator that are not in its weights.
struct Stylegan2GeneratorSettings {
  std::optional<double> conv_clamp;     // None (official StyleGAN2) or 256 (stylegan2-ada)
  double mapping_lr_multiplier = 0.01;  // every official network
  int64_t content_height = 0;           // e.g. 384 for the LSUN car model (512x512 canvas)
  int64_t content_width = 0;            // 0 = whole canvas
};

// Hyper-parameters of the discriminator that are not in its weights.
struct Stylegan2DiscriminatorSettings {
  std::optional<double> conv_clamp;
  int64_t mbstd_group_size = 4;  // every official network
};

// The synthesis noise of one call.
struct Stylegan2Noise {
  NoiseMode mode = NoiseMode::kConst;
  // kRandom: sample b draws its noise (every noise layer in order, N(0,1) float32 on the CPU, then
  // moved to the device) from its own generator seeded with sample_seeds[b], or seed + b when
  // sample_seeds is empty, so a sample's noise does not depend on the rest of its batch.
  uint64_t seed = 0;
  std::vector<uint64_t> sample_seeds;
};

namespace stylegan2 {
class GeneratorImpl;
class DiscriminatorImpl;
}  // namespace stylegan2

class Stylegan2Generator {
 public:
  // The generator in `dict` (keys as G.state_dict(); a "G_ema." prefix is removed). Errors name
  // the key that is missing or has the wrong shape.
  static StatusOr<std::unique_ptr<Stylegan2Generator>> FromStateDict(
      const weights::StateDict& dict, const Stylegan2RuntimeOptions& runtime = {},
      const Stylegan2GeneratorSettings& settings = {});
  // LoadStateDict(path) + FromStateDict.
  static StatusOr<std::unique_ptr<Stylegan2Generator>> Load(
      const std::string& path, const Stylegan2RuntimeOptions& runtime = {},
      const Stylegan2GeneratorSettings& settings = {});
  // NVIDIA's constructor initialisation from torch's global generator seeded with `seed`
  // (benchmarks, tests).
  static std::unique_ptr<Stylegan2Generator> WithRandomWeights(
      const Stylegan2GeneratorConfig& config, const Stylegan2RuntimeOptions& runtime,
      uint64_t seed);

  ~Stylegan2Generator();
  Stylegan2Generator(const Stylegan2Generator&) = delete;
  Stylegan2Generator& operator=(const Stylegan2Generator&) = delete;

  const Stylegan2GeneratorConfig& config() const;
  const Stylegan2RuntimeOptions& runtime() const { return runtime_; }

  // z [B, z_dim] -> ws [B, num_ws, w_dim] float32: mapping, broadcast, then truncation
  // w_avg.lerp(w, psi) on the first `cutoff` ws (all when nullopt).
  StatusOr<at::Tensor> MapZ(const at::Tensor& z, double psi = 1.0,
                            std::optional<int64_t> cutoff = std::nullopt) const;
  // ws [B, num_ws, w_dim] -> img [B, C, R, R] float32, roughly in [-1, 1], not clamped.
  StatusOr<at::Tensor> Synthesize(const at::Tensor& ws, const Stylegan2Noise& noise = {}) const;
  // Synthesize(MapZ(z, psi, cutoff), noise): NVIDIA's G(z, None, psi, cutoff, noise_mode).
  StatusOr<at::Tensor> SynthesizeFromZ(const at::Tensor& z, double psi = 1.0,
                                       const Stylegan2Noise& noise = {},
                                       std::optional<int64_t> cutoff = std::nullopt) const;

  // W search: w [B, w_dim] -> ws [B, num_ws, w_dim] (the same w for every layer).
  StatusOr<at::Tensor> BroadcastW(const at::Tensor& w) const;
  // W / W+ truncation: ws [B, num_ws, w_dim] -> w_avg.lerp(ws, psi) on the first `cutoff` ws.
  StatusOr<at::Tensor> Truncate(const at::Tensor& ws, double psi,
                                std::optional<int64_t> cutoff = std::nullopt) const;
  // mapping.w_avg [w_dim] float32 (the centre of W; undefined if the checkpoint has none).
  at::Tensor w_avg() const;

  // img [B, C, R, R] -> the content area [B, C, content_height, content_width], centred as the
  // dataset tool placed it (rows (R - h) / 2 ...); the whole image if no content size is set.
  at::Tensor CropToContent(const at::Tensor& img) const;

  // The module, for tests and benchmarks.
  stylegan2::GeneratorImpl& module() const;

 private:
  Stylegan2Generator(std::shared_ptr<stylegan2::GeneratorImpl> module,
                     const Stylegan2RuntimeOptions& runtime);
  at::Tensor SynthesizeChunk(const at::Tensor& ws, const Stylegan2Noise& noise,
                             int64_t first_sample) const;

  std::shared_ptr<stylegan2::GeneratorImpl> module_;
  Stylegan2RuntimeOptions runtime_;
};

class Stylegan2Discriminator {
 public:
  // The discriminator in `dict` (keys as D.state_dict(); a "D." prefix is removed).
  static StatusOr<std::unique_ptr<Stylegan2Discriminator>> FromStateDict(
      const weights::StateDict& dict, const Stylegan2RuntimeOptions& runtime = {},
      const Stylegan2DiscriminatorSettings& settings = {});
  static StatusOr<std::unique_ptr<Stylegan2Discriminator>> Load(
      const std::string& path, const Stylegan2RuntimeOptions& runtime = {},
      const Stylegan2DiscriminatorSettings& settings = {});
  static std::unique_ptr<Stylegan2Discriminator> WithRandomWeights(
      const Stylegan2DiscriminatorConfig& config, const Stylegan2RuntimeOptions& runtime,
      uint64_t seed);

  ~Stylegan2Discriminator();
  Stylegan2Discriminator(const Stylegan2Discriminator&) = delete;
  Stylegan2Discriminator& operator=(const Stylegan2Discriminator&) = delete;

  const Stylegan2DiscriminatorConfig& config() const;

  // D(img) in ONE call, exactly as NVIDIA's D: img [B, C, R, R] in [-1, 1] -> logits [B, 1]
  // float32. The minibatch-std layer groups image i with images i mod (B / G), G = min(4, B), so
  // every logit depends on the other images of the batch. REQUIRES: B % G == 0.
  StatusOr<at::Tensor> Logits(const at::Tensor& img) const;
  // D evaluated independently on consecutive groups of `group_size` images (CLIP-GLaSS calls D on
  // minibatches of 4): logit i depends only on the images of its own group; each group gives what
  // Logits() gives for it alone. When group_size equals the mbstd group size, all groups run in
  // one batched call (reordered so that the strided mbstd groups are the consecutive groups);
  // otherwise one call per group. REQUIRES: B % group_size == 0.
  StatusOr<at::Tensor> GroupedLogits(const at::Tensor& img, int64_t group_size) const;
  // The paper's second objective on generated images: relu(1 - D(x)) [B], with x = img clamped
  // to [-1, 1] when `clamp` (CLIP-GLaSS's [0,1] normalisation clips before it maps back to
  // [-1, 1]), D run as GroupedLogits(x, group_size).
  StatusOr<at::Tensor> HingeObjective(const at::Tensor& img, int64_t group_size,
                                      bool clamp = true) const;

  stylegan2::DiscriminatorImpl& module() const;

 private:
  Stylegan2Discriminator(std::shared_ptr<stylegan2::DiscriminatorImpl> module,
                         const Stylegan2RuntimeOptions& runtime);

  std::shared_ptr<stylegan2::DiscriminatorImpl> module_;
  Stylegan2RuntimeOptions runtime_;
};

// The discriminator objective of CLIP-GLaSS (to minimise): relu(1 - logits), logits [B, 1] -> [B].
at::Tensor DiscriminatorHinge(const at::Tensor& logits);

}  // namespace clipglass::models
