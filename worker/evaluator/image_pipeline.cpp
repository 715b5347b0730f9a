#include "worker/evaluator/image_pipeline.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>
#include <utility>

#include "worker/evaluator/micro_batch.h"
#include "worker/evaluator/png_output.h"

namespace clipglass::worker {
namespace {

int64_t ExpectedWidth(const ModelSet& models, const SpecSettings& settings) {
  if (models.biggan) {
    return models.biggan->config().z_dim + models.biggan->config().num_classes;
  }
  const models::Stylegan2GeneratorConfig& config = models.stylegan2->config();
  switch (settings.latent_space) {
    case LatentSpace::kZ:
      return config.z_dim;
    case LatentSpace::kW:
      return config.w_dim;
    case LatentSpace::kWPlus:
      return config.num_ws * config.w_dim;
  }
  return config.z_dim;
}

// chunk [B, W] -> images [B, 3, R, R] in [-1, 1] (not clamped), float32 on the models' device.
StatusOr<at::Tensor> Generate(const ModelSet& models, const SpecSettings& settings,
                              const at::Tensor& chunk, StepTracker* tracker) {
  if (models.biggan) {
    tracker->step = "biggan generator";
    CG_ASSIGN_OR_RETURN(at::Tensor images,
                        models.biggan->GenerateFromGenome(chunk, settings.truncation));
    return images.to(at::kFloat);
  }
  const models::Stylegan2Generator& g = *models.stylegan2;
  models::Stylegan2Noise noise;
  noise.mode = settings.noise_mode;
  if (noise.mode == models::NoiseMode::kRandom) {
    // Each individual's noise comes from its own genome, so it is the same in any batch.
    for (int64_t r = 0; r < chunk.size(0); ++r) noise.sample_seeds.push_back(RowSeed(chunk, r));
  }
  tracker->step = "stylegan2 generator";
  const at::Tensor input = chunk.to(g.runtime().device);
  switch (settings.latent_space) {
    case LatentSpace::kZ:
      return g.SynthesizeFromZ(input, settings.truncation, noise);
    case LatentSpace::kW: {
      CG_ASSIGN_OR_RETURN(at::Tensor ws, g.BroadcastW(input));
      CG_ASSIGN_OR_RETURN(ws, g.Truncate(ws, settings.truncation));
      return g.Synthesize(ws, noise);
    }
    case LatentSpace::kWPlus: {
      const at::Tensor ws = input.view({input.size(0), g.config().num_ws, g.config().w_dim});
      CG_ASSIGN_OR_RETURN(at::Tensor truncated, g.Truncate(ws, settings.truncation));
      return g.Synthesize(truncated, noise);
    }
  }
  return InternalError("unknown latent space");
}

}  // namespace

StatusOr<BatchScores> EvaluateImages(const ModelSet& models, const SpecSettings& settings,
                                     const ImageBatch& batch, int64_t micro_batch,
                                     StepTracker* tracker) {
  const std::string where = "model " + models.key + ": ";
  if (!models.biggan && !models.stylegan2) {
    return InvalidArgumentError(where + "no image generator loaded");
  }
  const at::Tensor& genomes = *batch.genomes;
  const int64_t count = genomes.size(0);
  const int64_t width = ExpectedWidth(models, settings);
  if (genomes.scalar_type() != at::kFloat || genomes.size(1) != width) {
    return InvalidArgumentError(where + "genomes of " + std::to_string(genomes.size(1)) +
                                " genes, the generator takes " + std::to_string(width));
  }
  if (batch.want_discriminator && !models.discriminator) {
    return InvalidArgumentError(where +
                                "the discriminator loss was asked for, but the spec has "
                                "no discriminator weights");
  }

  BatchScores scores;
  scores.similarity.resize(count);
  if (batch.want_discriminator) scores.discriminator_loss.resize(count);
  for (int64_t start = 0; start < count; start += micro_batch) {
    const int64_t rows = std::min(micro_batch, count - start);
    const at::Tensor chunk = PaddedRows(genomes, start, rows, micro_batch);  // [B, W]
    CG_ASSIGN_OR_RETURN(const at::Tensor generated, Generate(models, settings, chunk, tracker));
    const at::Tensor images =
        models.stylegan2 ? models.stylegan2->CropToContent(generated) : generated;  // [B, 3, H, W]

    tracker->step = "clip image features";
    CG_ASSIGN_OR_RETURN(const at::Tensor features,
                        models.clip->EncodeGeneratedImages(images, settings.generated_preprocess));
    tracker->step = "cosine similarity";
    const at::Tensor targets = batch.targets->to(features.device());
    for (int64_t r = 0; r < rows; ++r) {
      // One [1, E] x [1, E] call per individual: the same shape whatever the batch holds.
      CG_ASSIGN_OR_RETURN(const at::Tensor similarity,
                          models::CosineSimilarity(features.narrow(0, r, 1),
                                                   targets.narrow(0, start + r, 1)));  // [1, 1]
      scores.similarity[start + r] = similarity.to(at::kCPU).item<float>();
    }

    if (batch.want_discriminator) {
      tracker->step = "stylegan2 discriminator";
      // Groups of one: D was loaded with minibatch-std groups of 1 (see model_set.cpp).
      CG_ASSIGN_OR_RETURN(const at::Tensor loss,
                          models.discriminator->HingeObjective(generated, /*group_size=*/1));
      const at::Tensor loss_cpu = loss.to(at::kCPU, at::kFloat).contiguous();  // [B]
      for (int64_t r = 0; r < rows; ++r) {
        scores.discriminator_loss[start + r] = loss_cpu.data_ptr<float>()[r];
      }
    }

    tracker->step = "png output";
    for (int64_t r = 0; r < rows; ++r) {
      if (!batch.keep[start + r]) continue;
      CG_ASSIGN_OR_RETURN(std::string png, ImageToPng(images[r]));
      v1::Output output;
      output.set_index(static_cast<uint32_t>(start + r));
      output.set_png(std::move(png));
      scores.outputs.push_back(std::move(output));
    }
  }
  return scores;
}

}  // namespace clipglass::worker
