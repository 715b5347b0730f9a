// BigGAN-deep (the class-conditional generator CLIP-GLaSS searches for text-to-image): loading real
// checkpoints by their original key names, the standing batch-norm statistics chosen by the
// truncation exactly as the original chooses them, and the paper's genome -> image mapping.
//
// Ref: Brock, Donahue, Simonyan 2019, "Large Scale GAN Training for High Fidelity Natural Image
// Synthesis" (BigGAN-deep); the math follows huggingface/pytorch-pretrained-BigGAN
// (pytorch_pretrained_biggan/model.py, commit 1e18aed) and the latent mapping
// galatolofederico/clip-glass (latent.py DeepMindBigGANLatentSpace). docs/models/biggan.md
// describes the model, its naming and the parity achieved.
//
// This header is light (no <torch/torch.h>); the modules live in biggan_modules.h.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/weights/state_dict.h"

namespace clipglass::models {

// One GenBlock (an entry of the original config's `layers` list, in actual channels).
struct BigGanBlockConfig {
  bool up_sample = false;       // nearest x2 before conv_1 and on the skip path
  int64_t in_channels = 0;      // ch * layers[i][1]
  int64_t middle_channels = 0;  // in_channels / 4 (the original's reduction factor)
  int64_t out_channels = 0;     // ch * layers[i][2]; when != in_channels it must be in_channels / 2
};

// BigGAN-deep's sizes. Everything but `eps` and the up-sampling pattern is read from the weights'
// shapes (DetectBigGanConfig).
struct BigGanConfig {
  int64_t z_dim = 128;                    // noise width; the class embedding has the same width
  int64_t num_classes = 1000;             // columns of embeddings.weight
  int64_t channel_width = 128;            // ch: rows of generator.conv_to_rgb.weight_orig
  std::vector<BigGanBlockConfig> blocks;  // the GenBlocks in order (the original's `layers`)
  // The self-attention module sits before blocks[attention_position] (so it is
  // generator.layers.{attention_position} and later blocks shift by one); -1: no attention.
  int64_t attention_position = 8;
  int64_t attention_channels = 0;   // channels at the attention module (theta: /8, g: /2)
  int64_t n_stats = 51;             // standing-statistics rows, for truncations 0, 1/(n-1), ..., 1
  double eps = 1e-4;                // batch-norm epsilon (the released configs' value)
  int64_t output_resolution = 128;  // 4 * 2^(number of up-sampling blocks)

  int64_t condition_dim() const { return 2 * z_dim; }            // cat(z, embed)
  int64_t gen_z_channels() const { return 16 * channel_width; }  // gen_z -> [B, 16ch, 4, 4]
  // Index of blocks[block] under generator.layers (past the attention module, one more).
  int64_t LayerIndex(int64_t block) const;
  // OK when the sizes are positive and consistent (block chaining, skip channel rule, ...).
  Status Validate() const;

  // The released architectures (pytorch-pretrained-BigGAN biggan-deep-{128,256,512} configs:
  // ch 128, z 128, 1000 classes, attention before layer 8, 51 stats), for benchmarks and tests.
  static BigGanConfig Deep128();
  static BigGanConfig Deep256();
  static BigGanConfig Deep512();
  // From the original's `layers` list of (up_sample, in multiplier, out multiplier).
  struct LayerSpec {
    bool up_sample;
    int64_t in_mult;
    int64_t out_mult;
  };
  static BigGanConfig FromLayers(int64_t channel_width, const std::vector<LayerSpec>& layers,
                                 int64_t attention_position, int64_t z_dim = 128,
                                 int64_t num_classes = 1000, int64_t n_stats = 51);
};

// Sizes from the shapes of a BigGAN state dict (embeddings.weight, generator.gen_z.*,
// generator.layers.{i}.*, generator.conv_to_rgb.*). The up-sampling flags are not stored in the
// weights: `up_sample` if non-empty (one flag per GenBlock, as the original config's layers[i][0]),
// else the BigGAN-deep rule every released checkpoint follows: two blocks per resolution, the
// second of each pair up-samples (blocks 1, 3, 5, ...). Checks that the sizes chain (Validate);
// LoadIntoModule then checks every tensor's shape against the modules built from them.
StatusOr<BigGanConfig> DetectBigGanConfig(const weights::StateDict& dict,
                                          const std::vector<bool>& up_sample = {});

// Which standing-statistics rows a truncation selects, as BigGANBatchNorm.forward computes it in
// Python doubles: coef, row = math.modf(truncation / (1 / (n_stats - 1))). With coef != 0 the
// statistics are rows[row] * coef + rows[row + 1] * (1 - coef) (the reverse of a textbook lerp,
// reproduced on purpose); with coef == 0, rows[row].
struct StandingStatsChoice {
  int64_t row = 0;
  double coef = 0.0;
  bool interpolate() const { return coef != 0.0; }
};
// InvalidArgument unless 0 < truncation <= 1 (the original asserts it) and n_stats >= 2.
StatusOr<StandingStatsChoice> ChooseStandingStats(double truncation, int64_t n_stats);

// The CLIP-GLaSS genome of one individual: z_dim reals then num_classes class genes.
struct BigGanLatent {
  at::Tensor z;             // [B, z_dim] float32: genome[:, :z_dim] clipped to [-2, 2]
  at::Tensor class_vector;  // [B, num_classes] float32: softmax(genome[:, z_dim:], dim=1)
};
// genome: [B, z_dim + num_classes], any floating dtype, any device (converted to float32 first,
// as the original's `.float()`). Ref: clip-glass latent.py DeepMindBigGANLatentSpace.
StatusOr<BigGanLatent> MapClipGlassGenome(const at::Tensor& genome, int64_t z_dim,
                                          int64_t num_classes);

struct BigGanOptions {
  c10::Device device = c10::Device(c10::kCPU);  // where weights live and math runs
  // Compute dtype (weights and activations). float32 on CPU; float16/bfloat16 work on GPU. Spectral
  // norm is folded in float32 before the conversion.
  at::ScalarType dtype = at::kFloat;
  // > 0: inputs run in chunks of exactly this many rows, the last one zero-padded, so an image
  // does not depend on the batch it came in (DESIGN.md, determinism). 0: one pass per call.
  int64_t batch_size = 0;
  // Activations in channels-last (NHWC) layout: faster with oneDNN convolutions on CPU; the same
  // math either way.
  bool channels_last = true;
  // Up-sampling blocks run "nearest x2 then 3x3 conv" as one 2x2 conv on the low-resolution input
  // (the sub-pixel form, biggan_modules.h): 16 instead of 36 multiply-adds per input pixel; the
  // same values up to float rounding.
  bool fused_up_conv = true;
  // Up-sampling flag per GenBlock; empty: the BigGAN-deep rule (see DetectBigGanConfig).
  std::vector<bool> up_sample;
};

// What a Generate call can report besides the images (for parity tests and debugging).
struct BigGanTrace {
  at::Tensor first_block_input;  // [B, 16ch, 4, 4]: gen_z(cond) as NHWC, permuted to NCHW
};

namespace biggan {
class BigGanImpl;
}

// A loaded BigGAN-deep generator with spectral norm folded in (W = weight_orig / sigma, sigma from
// the stored u and v, computed once at load). Thread-safety: Generate is const and may be called
// from several threads at once.
class BigGanModel {
 public:
  // Reads any checkpoint LoadStateDict reads (safetensors, torch zip of tensors).
  static StatusOr<std::unique_ptr<BigGanModel>> Load(const std::string& path,
                                                     const BigGanOptions& options = {});
  static StatusOr<std::unique_ptr<BigGanModel>> FromStateDict(const weights::StateDict& dict,
                                                              const BigGanOptions& options = {});
  // Random weights of the given sizes (benchmarks): PyTorch-like default initialisation, u/v
  // random unit vectors, standing statistics mean 0 / var 1.
  static StatusOr<std::unique_ptr<BigGanModel>> RandomForBenchmark(const BigGanConfig& config,
                                                                   const BigGanOptions& options,
                                                                   uint64_t seed);
  ~BigGanModel();
  BigGanModel(const BigGanModel&) = delete;
  BigGanModel& operator=(const BigGanModel&) = delete;

  const BigGanConfig& config() const { return config_; }
  const BigGanOptions& options() const { return options_; }

  // The original's BigGAN.forward(z, class_vector, truncation). z: [B, z_dim]; class_vector:
  // [B, num_classes] one-hot or soft; any floating dtype and device. Returns [B, 3, R, R] in
  // [-1, 1] (tanh), options().dtype on options().device, contiguous NCHW.
  StatusOr<at::Tensor> Generate(const at::Tensor& z, const at::Tensor& class_vector,
                                double truncation, BigGanTrace* trace = nullptr) const;

  // The paper's mapping: genome [B, z_dim + num_classes] -> MapClipGlassGenome -> Generate
  // (CLIP-GLaSS uses truncation 1.0).
  StatusOr<at::Tensor> GenerateFromGenome(const at::Tensor& genome, double truncation = 1.0) const;

 private:
  BigGanModel(BigGanConfig config, BigGanOptions options, std::shared_ptr<biggan::BigGanImpl> net);
  StatusOr<at::Tensor> GenerateChunk(const at::Tensor& z, const at::Tensor& class_vector,
                                     const StandingStatsChoice& stats, at::Tensor* first) const;

  BigGanConfig config_;
  BigGanOptions options_;
  std::shared_ptr<biggan::BigGanImpl> net_;
};

}  // namespace clipglass::models
