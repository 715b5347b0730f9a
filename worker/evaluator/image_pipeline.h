// txt2img (StyleGAN2, BigGAN): genomes -> generator -> images in [-1, 1] -> CLIP preprocessing ->
// image features -> cosine similarity to each individual's target; the discriminator's hinge loss
// relu(1 - D(img)) when asked; kept images as PNG.
//
// Ref: clip-glass generator.py (generate, clip_similarity, discriminate), latent.py
// (StyleGAN2 / DeepMindBigGAN latent spaces), models.py.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "worker/evaluator/batch_scores.h"
#include "worker/evaluator/model_set.h"
#include "worker/evaluator/spec_settings.h"

namespace clipglass::worker {

struct ImageBatch {
  const at::Tensor* genomes = nullptr;  // [N, W] float32 CPU (GenomeMatrix)
  const at::Tensor* targets = nullptr;  // [N, E] float32: each individual's target features
  bool want_discriminator = false;
  std::vector<bool> keep;  // [N]: return this individual's image
};

// Checks the genome width against the generator (StyleGAN2: z_dim, w_dim or num_ws * w_dim by
// latent space; BigGAN: z_dim + num_classes) and runs the batch in micro-batches of
// `micro_batch` rows. InvalidArgument for a width or D request the models cannot serve.
StatusOr<BatchScores> EvaluateImages(const ModelSet& models, const SpecSettings& settings,
                                     const ImageBatch& batch, int64_t micro_batch,
                                     StepTracker* tracker);

}  // namespace clipglass::worker
