// StyleGAN2 generator and discriminator hyper-parameters, detected from a checkpoint's tensors
// (NVIDIA's stylegan2-ada-pytorch naming). A few hyper-parameters leave no trace in the weights;
// those fields say so and keep NVIDIA's defaults, and the caller may override them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace clipglass::weights {
struct StateDict;
}

namespace clipglass::models {

// The per-pixel noise of the synthesis layers (NVIDIA's noise_mode).
enum class NoiseMode {
  kConst,   // the stored noise_const buffers: deterministic (NVIDIA's generate.py default)
  kRandom,  // fresh N(0, 1) noise from seeded generators
  kNone,    // no noise
};
// "const" | "random" | "none".
StatusOr<NoiseMode> ParseNoiseMode(const std::string& name);
const char* NoiseModeName(NoiseMode mode);

struct Stylegan2GeneratorConfig {
  int64_t z_dim = 512;  // mapping.fc0.weight [features, z_dim]
  int64_t c_dim = 0;    // conditional models (mapping.embed.*) are not supported
  int64_t w_dim = 512;  // output features of the last mapping layer
  // Features into and out of each mapping layer: [z_dim, hidden..., w_dim] (num_layers + 1 values).
  std::vector<int64_t> mapping_features;
  // Learning-rate multiplier of the mapping layers' equalised learning rate (weights are stored
  // divided by it). Not in the weights; 0.01 in every official network.
  double mapping_lr_multiplier = 0.01;
  bool has_w_avg = true;  // mapping.w_avg, needed by truncation

  int64_t img_resolution = 1024;  // the largest synthesis block (square: NVIDIA's G is square)
  int64_t img_channels = 3;
  std::vector<int64_t> block_resolutions;  // 4, 8, ..., img_resolution
  std::map<int64_t, int64_t> channels;     // block resolution -> its output channels
  int64_t kernel_size = 3;                 // synthesis conv kernel
  bool use_noise = true;                   // noise_const / noise_strength present
  int64_t num_ws = 18;                     // w vectors per image: 2 * log2(R) - 2 ('skip' G)
  // Clamp of every conv output to +-conv_clamp (after bias, activation and gain). Not in the
  // weights: None in NVIDIA's StyleGAN2 (config-f) networks, 256 in stylegan2-ada's.
  std::optional<double> conv_clamp;
  // Where a non-square dataset sits in the square canvas the network draws: the LSUN car model is
  // 512x512 with the 512x384 photo centred (black bands at rows [0,64) and [448,512)). 0 = the
  // whole canvas. Not in the weights; CropToContent() applies it.
  int64_t content_height = 0;
  int64_t content_width = 0;

  int64_t num_mapping_layers() const { return static_cast<int64_t>(mapping_features.size()) - 1; }
};

struct Stylegan2DiscriminatorConfig {
  int64_t img_resolution = 1024;           // b{img_resolution} is the first block
  int64_t img_channels = 3;                // b{R}.fromrgb.weight [C, img_channels, 1, 1]
  std::vector<int64_t> block_resolutions;  // img_resolution, ..., 8 (b4 is the epilogue)
  // Resolution -> channels: a block at res works with channels[res] and outputs channels[res/2].
  std::map<int64_t, int64_t> channels;
  // Minibatch standard deviation: features appended (b4.conv's extra input channels) and the
  // group size, which is not in the weights (4 in every official network; <= 0: the whole batch).
  int64_t mbstd_num_channels = 1;
  int64_t mbstd_group_size = 4;
  std::optional<double> conv_clamp;  // as in the generator; not in the weights
};

// True when the dict holds a StyleGAN2 generator (mapping.fc0.weight and synthesis.b4.const).
bool IsStylegan2Generator(const weights::StateDict& dict);
// True when the dict holds a StyleGAN2 discriminator (b4.fc.weight and b4.out.weight).
bool IsStylegan2Discriminator(const weights::StateDict& dict);

// Reads every dimension from the tensors; errors name the key that is missing or inconsistent.
// Only the architectures of the released networks are accepted: G 'skip', D 'resnet',
// unconditional (c_dim 0).
StatusOr<Stylegan2GeneratorConfig> DetectStylegan2GeneratorConfig(const weights::StateDict& dict);
StatusOr<Stylegan2DiscriminatorConfig> DetectStylegan2DiscriminatorConfig(
    const weights::StateDict& dict);

// The real networks' shapes (NVIDIA's channels_dict = min(channel_base / res, channel_max)),
// for benchmarks and tests with random weights.
Stylegan2GeneratorConfig MakeStylegan2GeneratorConfig(int64_t resolution, int64_t channel_base,
                                                      int64_t channel_max, int64_t z_dim,
                                                      int64_t w_dim, int64_t mapping_layers);
Stylegan2DiscriminatorConfig MakeStylegan2DiscriminatorConfig(int64_t resolution,
                                                              int64_t channel_base,
                                                              int64_t channel_max);

// One line for logs: "G 1024x1024x3 z512 w512 ws18 mapping 8 channels 4:512 ... 1024:32".
std::string Describe(const Stylegan2GeneratorConfig& config);
std::string Describe(const Stylegan2DiscriminatorConfig& config);

}  // namespace clipglass::models
