// The per-batch settings a ModelSpec carries besides its weights (truncation, noise, latent space,
// CLIP preprocessing, caption rules), read and checked once per batch. Proto3 cannot tell an unset
// number from 0, so 0 / "" mean the paper's value for each field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/clipglass.pb.h"
#include "worker/models/clip_preprocess.h"
#include "worker/models/gpt2_caption.h"
#include "worker/models/stylegan2_config.h"

namespace clipglass::worker {

enum class ModelFamily { kStyleGan2, kBigGan, kGpt2 };
// "stylegan2" | "biggan" | "gpt2"; Unimplemented for anything else.
StatusOr<ModelFamily> ParseModelFamily(const std::string& family);

enum class LatentSpace {
  kZ,      // genome = z [z_dim]: mapping, truncation, synthesis (the paper)
  kW,      // genome = w [w_dim]: broadcast to every layer, truncation, synthesis
  kWPlus,  // genome = ws [num_ws * w_dim]: truncation, synthesis
};

struct SpecSettings {
  ModelFamily family = ModelFamily::kStyleGan2;
  // StyleGAN2 psi or BigGAN truncation; 0 -> 1.0 (the original's).
  double truncation = 1.0;
  models::NoiseMode noise_mode = models::NoiseMode::kConst;  // "" -> const
  LatentSpace latent_space = LatentSpace::kZ;                // "" -> z
  // Generated images -> CLIP input. clip_normalize true: CLIP's own preprocessing (bicubic
  // resize + centre crop, mean/std). false: the original CLIP-GLaSS exactly (kornia bilinear
  // stretch, no normalisation).
  models::ClipPreprocessOptions generated_preprocess;
  // GPT-2: context ("" -> "the picture of"), generated tokens (0 -> 30), caption characters
  // (0 -> 50). genome_length is filled from the batch's genome width.
  models::CaptionRules caption_rules;
  // GPT-2: gene g stands for token genome_token_ids[g]; empty: the genes are token ids.
  std::vector<int64_t> genome_token_ids;
  // The genes that index genome_token_ids: [first, first + count); count 0 = every gene.
  int64_t token_ids_first_gene = 0;
  int64_t token_ids_gene_count = 0;
};

// InvalidArgument naming the field for a bad noise mode, latent space or truncation.
StatusOr<SpecSettings> ReadSpecSettings(const v1::ModelSpec& spec);

}  // namespace clipglass::worker
