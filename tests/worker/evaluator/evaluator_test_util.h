// Specs and assignments over the fixture models (tests/data/reference: random weights, real
// architectures and vocabularies), shared by the model evaluator's tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "proto/clipglass.pb.h"
#include "proto/wire.h"
#include "worker/weights/state_dict.h"

namespace clipglass::worker::testing {

inline std::string DataPath(const std::string& relative) {
  return std::string(CLIPGLASS_TEST_DATA_DIR) + "/" + relative;
}
inline std::string ReferencePath(const std::string& relative) {
  return DataPath("reference/" + relative);
}

// The vocabularies the program ships (CLIP merges, GPT-2 encoder and merges).
inline std::string VocabDir() {
  return std::string(CLIPGLASS_SOURCE_DIR) + "/worker/tokenizers/vocab";
}

// A fresh folder under the system's temporary directory, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "clipglass_evaluator_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The GPT-2 fixture with its head count in the safetensors metadata (GPT-2 files do not say it;
// the fixture's 32-wide model has 2 heads, not width / 64), as deploy/'s converter writes it.
inline std::string WriteGpt2WithHeads(const std::string& path) {
  auto dict = weights::LoadStateDict(ReferencePath("gpt2/weights.safetensors"));
  EXPECT_TRUE(dict.ok()) << dict.status().ToString();
  std::map<std::string, std::string> metadata = dict->metadata;
  metadata["n_head"] = "2";
  Status saved = weights::SaveSafetensors(path, dict->tensors, metadata);
  EXPECT_TRUE(saved.ok()) << saved.ToString();
  return path;
}

inline v1::ModelSpec StyleganSpec(bool with_discriminator) {
  v1::ModelSpec spec;
  spec.set_key(with_discriminator ? "TinyStyleGAN2_d+D" : "TinyStyleGAN2_nod");
  spec.set_family("stylegan2");
  spec.set_generator_weights(ReferencePath("stylegan2/G_weights.safetensors"));
  if (with_discriminator) {
    spec.set_discriminator_weights(ReferencePath("stylegan2/D_weights.safetensors"));
  }
  spec.set_clip_weights(ReferencePath("clip/weights.safetensors"));
  spec.set_truncation(1.0f);
  spec.set_noise_mode("const");
  spec.set_latent_space("z");
  spec.set_clip_normalize(true);
  spec.set_tokenizer_dir(VocabDir());
  return spec;
}

inline v1::ModelSpec BigganSpec() {
  v1::ModelSpec spec;
  spec.set_key("TinyBigGAN");
  spec.set_family("biggan");
  spec.set_generator_weights(ReferencePath("biggan/weights.safetensors"));
  spec.set_clip_weights(ReferencePath("clip/weights.safetensors"));
  spec.set_truncation(1.0f);
  spec.set_clip_normalize(true);
  spec.set_tokenizer_dir(VocabDir());
  return spec;
}

inline v1::ModelSpec Gpt2Spec(const std::string& gpt2_weights) {
  v1::ModelSpec spec;
  spec.set_key("TinyGPT2");
  spec.set_family("gpt2");
  spec.set_generator_weights(gpt2_weights);
  spec.set_clip_weights(ReferencePath("clip/weights.safetensors"));
  spec.set_clip_normalize(true);
  spec.set_gpt2_context("the picture of");
  spec.set_gpt2_generate_tokens(8);
  spec.set_caption_max_chars(50);
  spec.set_tokenizer_dir(VocabDir());
  return spec;
}

// Seeded genomes of each family's layout.
inline std::vector<std::vector<double>> RealGenomes(int count, int width, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<std::vector<double>> genomes(count, std::vector<double>(width));
  for (auto& genome : genomes) {
    for (double& gene : genome) gene = normal(rng);
  }
  return genomes;
}

inline std::vector<std::vector<double>> BigganGenomes(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::bernoulli_distribution bit(0.005);
  std::vector<std::vector<double>> genomes(count, std::vector<double>(128 + 1000));
  for (auto& genome : genomes) {
    for (int i = 0; i < 128; ++i) genome[i] = std::clamp(normal(rng), -2.0, 2.0);
    for (int i = 128; i < 1128; ++i) genome[i] = bit(rng) ? 1.0 : 0.0;
  }
  return genomes;
}

inline std::vector<std::vector<double>> TokenGenomes(int count, int width, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> token(0, 50256);
  std::vector<std::vector<double>> genomes(count, std::vector<double>(width));
  for (auto& genome : genomes) {
    for (double& gene : genome) gene = token(rng);
  }
  return genomes;
}

inline wire::GenomeLayout StyleganLayout() { return {{wire::GeneKind::kReal, 32}}; }
inline wire::GenomeLayout BigganLayout() {
  return {{wire::GeneKind::kReal, 128}, {wire::GeneKind::kBool, 1000}};
}
inline wire::GenomeLayout Gpt2Layout(int width = 20) { return {{wire::GeneKind::kInteger, width}}; }

inline v1::Target CaptionTarget(const std::string& caption) {
  v1::Target target;
  target.set_id("caption:" + caption);
  target.set_caption(caption);
  return target;
}

inline v1::Assign MakeAssign(const v1::ModelSpec& spec, const wire::GenomeLayout& layout,
                             const std::vector<std::vector<double>>& genomes,
                             const std::vector<v1::Target>& targets,
                             const std::vector<uint32_t>& target_index,
                             bool want_discriminator = false,
                             const std::vector<uint32_t>& keep = {}) {
  v1::Assign assign;
  assign.set_batch_id(1);
  assign.set_lease_id(1);
  *assign.mutable_model() = spec;
  for (const v1::Target& target : targets) *assign.add_targets() = target;
  for (uint32_t index : target_index) assign.add_target_index(index);
  std::vector<const std::vector<double>*> pointers;
  for (const auto& genome : genomes) pointers.push_back(&genome);
  wire::PackLatents(layout, pointers, assign.mutable_latents());
  assign.set_want_discriminator(want_discriminator);
  for (uint32_t index : keep) assign.add_keep_outputs(index);
  return assign;
}

}  // namespace clipglass::worker::testing
