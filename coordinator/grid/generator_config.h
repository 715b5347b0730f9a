// A generator configuration (configs/<name>.yaml) as plain values: which model, which weights,
// how its output is made and judged, its genome layout and its default GA settings.
//
// The paper's nine configurations are configs/{GPT2, DeepMindBigGAN256, DeepMindBigGAN512,
// StyleGAN2_{ffhq,car,church}_{d,nod}}.yaml. docs/grid_format.md documents every field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/grid/enum_names.h"
#include "coordinator/grid/file_location.h"
#include "coordinator/grid/ga_settings.h"

namespace clipglass::grid {

enum class Task {
  kTxt2Img,  // caption -> image (StyleGAN2, BigGAN)
  kImg2Txt,  // image -> caption (GPT-2)
};
inline constexpr EnumName<Task> kTaskNames[] = {{"txt2img", Task::kTxt2Img},
                                                {"img2txt", Task::kImg2Txt}};
inline std::string_view TaskName(Task t) { return NameIn<Task>(kTaskNames, t); }

enum class ModelFamily { kStyleGan2, kBigGan, kGpt2 };
inline constexpr EnumName<ModelFamily> kModelFamilyNames[] = {
    {"stylegan2", ModelFamily::kStyleGan2},
    {"biggan", ModelFamily::kBigGan},
    {"gpt2", ModelFamily::kGpt2}};
inline std::string_view ModelFamilyName(ModelFamily f) {
  return NameIn<ModelFamily>(kModelFamilyNames, f);
}

enum class Decoding {
  kGreedy,  // argmax at every step (the original: temperature and top-k set but unused)
  kSample,  // sample from softmax(logits / temperature) restricted to the top-k
};
inline constexpr EnumName<Decoding> kDecodingNames[] = {{"greedy", Decoding::kGreedy},
                                                        {"sample", Decoding::kSample}};
inline std::string_view DecodingName(Decoding d) { return NameIn<Decoding>(kDecodingNames, d); }

// One weights file a config needs.
struct WeightsFile {
  std::string relative;  // as written in the config: relative to the weights dir, or absolute
  std::string path;      // resolved: <weights dir>/<relative>, or `relative` when absolute
  FileLocation where;    // the config key that named it
};

// StyleGAN2 (NVIDIA's official PyTorch naming).
struct StyleGan2Settings {
  double truncation_psi = 1.0;  // w = w_avg + psi * (w - w_avg); 1.0 = none (the original)
};

// BigGAN-deep (huggingface pytorch-pretrained-BigGAN naming).
struct BigGanSettings {
  double truncation = 1.0;     // truncation of the generator's batch-norm stats, in (0, 1]
  int64_t num_classes = 1000;  // the class vector is softmax of this many bool genes
  double z_clip = 2.0;         // z is clipped to [-z_clip, z_clip] before the generator
};

// GPT-2 captioning: genome tokens + context, then decoding.
struct Gpt2Settings {
  std::string context = "the picture of";  // fixed text after the genome tokens
  int64_t generated_tokens = 30;           // decoding steps
  int64_t max_chars = 50;                  // the caption is cut to this many characters
  Decoding decoding = Decoding::kGreedy;
  double temperature = 0.7;    // kSample only
  int64_t top_k = 40;          // kSample only; 0 = no top-k
  int64_t vocab_size = 50257;  // token ids are 0 .. vocab_size - 1
  // When set, genes index this list instead of being token ids themselves: gene g stands for
  // token genome_token_ids[g], so the search runs over a chosen alphabet of tokens.
  std::vector<int64_t> genome_token_ids;
  // When set (with genome_token_ids), only this genome segment's genes index genome_token_ids;
  // the other segments' genes are token ids. Empty: every gene indexes it.
  std::string genome_token_ids_segment;
  FileLocation genome_token_ids_segment_where;  // the key, for errors about the segment it names
};

struct ModelSettings {
  ModelFamily family = ModelFamily::kStyleGan2;
  WeightsFile generator;        // generator weights (GPT-2: the language model)
  WeightsFile discriminator;    // StyleGAN2 only; relative is empty when the config has none
  int64_t image_size = 0;       // txt2img output side in pixels; 0 = inferred from the weights
  StyleGan2Settings stylegan2;  // meaningful when family == kStyleGan2
  BigGanSettings biggan;        // meaningful when family == kBigGan
  Gpt2Settings gpt2;            // meaningful when family == kGpt2

  bool has_discriminator() const { return !discriminator.relative.empty(); }
};

struct ClipSettings {
  WeightsFile weights;       // default clip/ViT-B-32.pt (OpenAI's TorchScript archive)
  int64_t image_size = 224;  // images are resized to this side; 0 = inferred from the weights
  bool normalize = true;  // CLIP's mean/std normalisation; false reproduces the original's omission
};

struct GeneratorConfig {
  std::string name;         // the file's stem: "StyleGAN2_ffhq_d"
  std::string path;         // the file it was read from
  std::string description;  // one line for humans
  Task task = Task::kTxt2Img;
  bool use_discriminator = false;  // second objective: the discriminator's hinge loss
  ModelSettings model;
  ClipSettings clip;
  std::vector<GenomeSegment> genome;  // in order; at least one segment
  GaSettings ga;                      // defaults for runs of this config (grids override them)

  int objectives() const { return use_discriminator ? 2 : 1; }
  int64_t genes() const {
    int64_t n = 0;
    for (const auto& s : genome) n += s.size;
    return n;
  }
};

// Every weights file the config needs, generator first.
std::vector<const WeightsFile*> AllWeights(const GeneratorConfig& config);

}  // namespace clipglass::grid
