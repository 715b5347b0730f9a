// Contrastive training of the demo world's tiny CLIP: the project's own CLIP modules
// (worker/models/clip_modules.h), only smaller, trained on world renders and their captions and
// written under OpenAI's state-dict names, so the shipped file loads through ClipModel::Load like
// a released checkpoint.
//
// Model: an image encoder at 32 px, OpenAI's modified ResNet (the default: a convolutional stem
// and bottleneck stages, then the attention pool) or a ViT (patch 4: 64 patches + the class
// token), and a text encoder with the real CLIP tokenizer, the full 49408-id vocabulary and context
// 77. Heads are as OpenAI's build_model infers them from the weights (ViT and text: width / 64;
// ResNet attention pool: width * 32 / 64).
//
// Objective (Radford et al. 2021, CLIP, fig. 3): the symmetric cross-entropy of the scaled cosine
// similarities of a batch's images and captions, with the learnable temperature logit_scale
// (initialised to log(1 / 0.07), clamped to log(100)). One change: a batch of world samples often
// holds several examples of one attribute combination, whose captions describe each other's images
// just as well; the target of each row is spread evenly over the examples with the same attributes
// instead of treating them as negatives. AdamW (weight decay on the matrices only), linear warm-up
// then cosine decay. Initialisation as OpenAI's CLIP.initialize_parameters.
//
// Data: fresh samples of world::Split::kTrain every step (the held-out combinations are never
// seen), images preprocessed exactly as the evaluator does (models::PreprocessImages).
//
// Reproducible: the seed drives the initialisation, the data seed the samples; on one thread two
// runs with the same options give the same bits.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "train/image_augment.h"
#include "worker/models/clip_config.h"
#include "world/dataset.h"

namespace clipglass::models {
struct ClipImpl;
class ClipModel;
}  // namespace clipglass::models
namespace clipglass::tokenizers {
class ClipTokenizer;
}

namespace clipglass::train {

struct WorldBatch;

// The file a run writes into its output folder (the shipped weights/demo/ name).
inline constexpr char kClipWeightsFile[] = "clip.safetensors";
// World seeds of the training samples and of the held-out renders accuracy is measured on.
inline constexpr uint64_t kClipTrainDataSeed = 7101;
inline constexpr uint64_t kClipEvalSeed = 7102;

struct ClipTrainOptions {
  // Architecture (OpenAI CLIP naming; heads as build_model derives them).
  int64_t image_resolution = 32;  // world render side = CLIP input side
  models::ClipVisionKind vision = models::ClipVisionKind::kModifiedResNet;
  // ResNet: the stem's output width (stage s has width * 2^s planes) and blocks per stage.
  int64_t resnet_width = 16;
  std::array<int64_t, 4> resnet_layers = {1, 1, 1, 1};
  // ViT.
  int64_t patch_size = 4;
  int64_t vision_width = 64;
  int64_t vision_layers = 3;
  int64_t text_width = 64;
  int64_t text_layers = 2;
  int64_t embed_dim = 64;

  // Optimisation.
  int64_t steps = 4000;        // optimiser steps
  int64_t batch = 96;          // image/caption pairs per step
  double lr = 1e-3;            // AdamW peak learning rate
  double weight_decay = 0.1;   // on weight matrices only
  int64_t warmup_steps = 100;  // linear warm-up, then cosine decay to 0
  // Hard negatives: this many samples of each batch come with all their shape/size variants
  // (train::ShapeSizeVariants, up to 8 images each); the rest of the batch is random samples.
  int64_t contrast_groups = 0;
  // Robustness to generated images (train/image_augment.h; all 0: off, the shipped run).
  ImageAugmentOptions augment;
  uint64_t seed = 1;  // initialisation
  uint64_t data_seed = kClipTrainDataSeed;
  int threads = 1;            // LibTorch/OpenBLAS threads (0: every core)
  int64_t log_every = 100;    // progress line every N steps (0: never)
  int64_t eval_images = 480;  // held-out renders in the final zero-shot measurement
  bool half = true;           // store the weights as F16 (the loader converts to float32)
};

// One line naming the first invalid field, or OK.
Status ValidateClipTrainOptions(const ClipTrainOptions& options);

// The CLIP configuration the options describe (vocab 49408, context 77).
models::ClipConfig ClipTrainConfig(const ClipTrainOptions& options);

// Zero-shot attribute accuracy: each image is given the best of the 240 template-0 captions
// (one per attribute combination); fractions in [0, 1] of images whose chosen caption names the
// right shape, colour, background, size, and all four.
struct ZeroShotAccuracy {
  int64_t count = 0;
  double shape = 0;
  double colour = 0;
  double background = 0;
  double size = 0;
  double all = 0;
};
// "shape 0.990 colour 0.975 background 1.000 size 0.990 all 0.950 (n=480)".
std::string FormatZeroShot(const ZeroShotAccuracy& accuracy);

// The 240 candidate captions, world::Caption(CombinationAt(i), 0) for i in [0, 240).
std::vector<std::string> ZeroShotCaptions();

// Measures `clip` (a loaded model, as the evaluator runs it) on examples [0, count) of `split`
// for `seed`, rendered at the model's resolution.
StatusOr<ZeroShotAccuracy> MeasureZeroShot(const models::ClipModel& clip,
                                           const tokenizers::ClipTokenizer& tokenizer,
                                           world::Split split, uint64_t seed, int64_t count);

struct ClipStepStats {
  int64_t step = 0;        // steps done after this one (1-based)
  double loss = 0;         // symmetric contrastive loss of the step's batch
  double logit_scale = 0;  // exp(logit_scale) after the step
  double lr = 0;           // learning rate the step used
};

class ClipTrainer {
 public:
  // Builds the model with OpenAI's initialisation from options.seed. Options must be valid.
  ClipTrainer(const ClipTrainOptions& options,
              std::shared_ptr<const tokenizers::ClipTokenizer> tokenizer);
  ~ClipTrainer();
  ClipTrainer(const ClipTrainer&) = delete;
  ClipTrainer& operator=(const ClipTrainer&) = delete;

  // One optimiser step on the next batch of training samples.
  StatusOr<ClipStepStats> Step();
  int64_t steps_done() const { return steps_done_; }

  models::ClipImpl& model();

  // Every parameter (and batch-norm running statistic) under its OpenAI name, float32 (or F16
  // when `half`), on CPU.
  std::map<std::string, at::Tensor> StateTensors(bool half) const;

  // Writes StateTensors(options.half) as safetensors with metadata (model, training options).
  Status Save(const std::string& path) const;

 private:
  WorldBatch NextBatch() const;  // the training examples of the next step
  struct State;
  ClipTrainOptions options_;
  std::unique_ptr<State> state_;
  int64_t steps_done_ = 0;
};

// The whole run: trains options.steps steps printing progress to `log`, writes
// out_dir/kClipWeightsFile, reloads it through ClipModel::Load and prints the zero-shot accuracy
// of the reloaded model on held-out and training renders. Errors name the file at fault.
Status TrainClip(const ClipTrainOptions& options, const std::string& out_dir, std::FILE* log);

}  // namespace clipglass::train
