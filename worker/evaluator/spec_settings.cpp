#include "worker/evaluator/spec_settings.h"

namespace clipglass::worker {

StatusOr<ModelFamily> ParseModelFamily(const std::string& family) {
  if (family == "stylegan2") return ModelFamily::kStyleGan2;
  if (family == "biggan") return ModelFamily::kBigGan;
  if (family == "gpt2") return ModelFamily::kGpt2;
  return UnimplementedError("model evaluator: unknown model family '" + family +
                            "' (stylegan2, biggan or gpt2)");
}

StatusOr<SpecSettings> ReadSpecSettings(const v1::ModelSpec& spec) {
  SpecSettings settings;
  CG_ASSIGN_OR_RETURN(settings.family, ParseModelFamily(spec.family()));
  const std::string where = "model " + spec.key() + ": ";

  settings.truncation = spec.truncation() == 0.0f ? 1.0 : static_cast<double>(spec.truncation());
  if (settings.family == ModelFamily::kBigGan &&
      !(settings.truncation > 0.0 && settings.truncation <= 1.0)) {
    return InvalidArgumentError(where + "BigGAN truncation must be in (0, 1], got " +
                                std::to_string(settings.truncation));
  }
  if (!spec.noise_mode().empty()) {
    auto mode = models::ParseNoiseMode(spec.noise_mode());
    if (!mode.ok()) return mode.status().WithContext(where + "noise_mode");
    settings.noise_mode = *mode;
  }
  const std::string& space = spec.latent_space();
  if (space.empty() || space == "z") {
    settings.latent_space = LatentSpace::kZ;
  } else if (space == "w") {
    settings.latent_space = LatentSpace::kW;
  } else if (space == "w+") {
    settings.latent_space = LatentSpace::kWPlus;
  } else {
    return InvalidArgumentError(where + "unknown latent_space '" + space + "' (z, w or w+)");
  }

  settings.generated_preprocess =
      models::ClipPreprocessOptions::ForGeneratedImages(spec.clip_normalize());

  models::CaptionRules& rules = settings.caption_rules;
  if (!spec.gpt2_context().empty()) rules.context_text = spec.gpt2_context();
  if (spec.gpt2_generate_tokens() != 0) rules.new_tokens = spec.gpt2_generate_tokens();
  if (spec.caption_max_chars() != 0) rules.max_chars = spec.caption_max_chars();
  settings.genome_token_ids.assign(spec.gpt2_genome_token_ids().begin(),
                                   spec.gpt2_genome_token_ids().end());
  settings.token_ids_first_gene = spec.gpt2_token_ids_first_gene();
  settings.token_ids_gene_count = spec.gpt2_token_ids_gene_count();
  return settings;
}

}  // namespace clipglass::worker
