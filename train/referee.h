// The referee: an attribute classifier for the demo world, trained apart from the CLIP that the
// search uses, that says what a generated image shows (shape, shape colour, background colour,
// size). The quality benchmark counts a text-to-image run as a success when the referee reads every
// attribute of the caption in its final image.
//
// The network is a small CNN of the project's own design (no original checkpoint to match): five
// 3x3 convolutions with ReLU and max-pooling (32 -> 16 -> 8 -> 4), one hidden fully connected
// layer and four softmax heads. Its safetensors keys:
//   conv1..conv5.{weight,bias}, fc.{weight,bias}, head_shape / head_colour / head_background /
//   head_size.{weight,bias}
// and `__metadata__` {"model": "clipglass-referee", "side": "<input side>", ...}.
//
//   CG_ASSIGN_OR_RETURN(std::unique_ptr<Referee> referee,
//   Referee::Load("weights/demo/referee.safetensors")); std::vector<RefereeJudgement> judged =
//   referee->Judge(images);  // [B, 3, H, W] in [0, 1]
#pragma once

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/png_codec.h"
#include "common/status.h"
#include "world/dataset.h"
#include "world/scene.h"

namespace clipglass::train {

// World seeds the referee trains on (both splits, fresh examples every step) and the seed of the
// renders its accuracy is measured on. Neither is used by the other trainers or the benchmark.
inline constexpr uint64_t kRefereeTrainSeed = 7001;
inline constexpr uint64_t kRefereeEvalSeed = 7002;

struct RefereeOptions {
  int side = 32;                // render side the network is trained at; Judge resizes to it
  int64_t steps = 1200;         // optimiser steps
  int batch = 64;               // examples per step, half from each split
  double learning_rate = 2e-3;  // Adam; cosine-decayed to 5% over the run
  float noise_std = 0.04f;  // Gaussian pixel noise added to training images (robustness to GANs)
  uint64_t seed = 1;        // weight initialisation and noise
  uint64_t data_seed = kRefereeTrainSeed;
  int threads = 1;       // LibTorch intra-op threads
  int log_every = 100;   // steps between progress lines; 0 = none
  int eval_count = 480;  // held-out renders measured at the end (per split)
};

// What the referee reads in one image. confidence: the softmax probability of the chosen class
// for shape, colour, background and size, in that order.
struct RefereeJudgement {
  world::Attributes attributes;
  std::array<float, 4> confidence{};
  float MinConfidence() const;
};

// Accuracy on `count` renders: per attribute and all four together, as fractions in [0, 1].
struct RefereeAccuracy {
  int64_t count = 0;
  double shape = 0;
  double colour = 0;
  double background = 0;
  double size = 0;
  double all = 0;
};

class Referee {
 public:
  ~Referee();
  Referee(const Referee&) = delete;
  Referee& operator=(const Referee&) = delete;

  // A freshly initialised (untrained) referee for `side`-pixel inputs, seeded.
  static std::unique_ptr<Referee> Create(int side, uint64_t seed);
  // Loads weights written by Save. Errors name the file and the key at fault.
  static StatusOr<std::unique_ptr<Referee>> Load(const std::string& path);
  // Writes the weights as safetensors (F16 when `half`), with the metadata plus model and side.
  Status Save(const std::string& path, bool half,
              const std::map<std::string, std::string>& metadata = {}) const;

  int side() const { return side_; }

  // Judges images: float [B, 3, H, W] with values in [0, 1] (any H = W >= 8; resized to side()).
  // Thread-compatible; no gradients.
  std::vector<RefereeJudgement> Judge(const torch::Tensor& images) const;
  std::vector<RefereeJudgement> Judge(const std::vector<RgbImage>& images) const;

  // Accuracy on examples [0, count) of `split` for `seed`.
  RefereeAccuracy Measure(world::Split split, uint64_t seed, int count) const;

  // Logits of the four heads for training: shape [B,4], colour [B,6], background [B,6], size [B,2].
  std::array<torch::Tensor, 4> Logits(const torch::Tensor& images) const;

 private:
  struct Impl;
  Referee(int side, std::unique_ptr<Impl> impl);
  friend Status TrainReferee(const RefereeOptions&, const std::string&,
                             const std::function<void(const std::string&)>&);

  int side_;
  std::unique_ptr<Impl> impl_;
};

// Trains a referee with `options` and writes it to `out_path` (F16 safetensors), logging progress
// lines (loss, running accuracy) and the final accuracy on both splits through `log`.
Status TrainReferee(const RefereeOptions& options, const std::string& out_path,
                    const std::function<void(const std::string&)>& log);

// "shape 1.000 colour 0.998 ... all 0.995 (n=480)".
std::string FormatAccuracy(const RefereeAccuracy& accuracy);

}  // namespace clipglass::train
