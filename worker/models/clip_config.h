// CLIP hyper-parameters (ViT and modified-ResNet image encoders), detected from a checkpoint's
// tensors.
//
// Ref: OpenAI CLIP, clip/model.py build_model() (early-2021 copy vendored in clip-glass): every
// dimension is read from the shapes of the state dict, never from a name or a side file.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "worker/weights/state_dict.h"

namespace clipglass::models {

// Key names of the three int64 scalars that OpenAI's released archives carry and that
// build_model() deletes before loading. Accepted and ignored.
inline constexpr const char* kClipIgnoredScalars[] = {"input_resolution", "context_length",
                                                      "vocab_size"};
// The batch norms' update counters of ResNet checkpoints (an int64 scalar per norm; inference never
// reads it). Accepted and ignored: a pattern for weights::LoadIntoModule.
inline constexpr char kClipBatchNormCounterPattern[] = R"(visual\..*\.num_batches_tracked)";

// The two image encoders of OpenAI's CLIP: VisionTransformer (ViT-B/32, ...) and ModifiedResNet
// (RN50, RN101, RN50x4, ...).
enum class ClipVisionKind { kViT, kModifiedResNet };

// The modified ResNet's attention-pool heads as OpenAI's build_model infers them from the stem
// width: vision_width * 32 // 64.
inline int64_t ResNetAttentionPoolHeads(int64_t vision_width) { return vision_width * 32 / 64; }

struct ClipConfig {
  int64_t embed_dim = 0;  // shared embedding size: text_projection.shape[1]

  // Image encoder ("visual.*").
  ClipVisionKind vision_kind = ClipVisionKind::kViT;
  // ViT: visual.conv1.weight.shape[0]. ResNet: visual.layer1.0.conv1.weight.shape[0] (the stem
  // ends at this width; stage s has width * 2^s bottleneck planes, 4x that many outputs).
  int64_t vision_width = 0;
  int64_t vision_layers = 0;      // ViT: number of visual.transformer.resblocks.{i}; ResNet: 0
  int64_t vision_patch_size = 0;  // ViT: visual.conv1.weight.shape[-1]; ResNet: 0
  // ViT: vision_width / 64; ResNet: vision_width * 32 / 64 (the attention pool's heads); integer
  // division, as build_model.
  int64_t vision_heads = 0;
  // ViT: patch * sqrt(len(visual.positional_embedding) - 1). ResNet: 32 * sqrt(len(visual.
  // attnpool.positional_embedding) - 1) (the encoder divides the side by 32).
  int64_t image_resolution = 0;
  // ResNet only: bottleneck blocks of visual.layer1..4 (RN50: 3, 4, 6, 3).
  std::array<int64_t, 4> vision_resnet_layers = {0, 0, 0, 0};

  // Text transformer (top-level keys).
  int64_t context_length = 0;      // positional_embedding.shape[0]
  int64_t vocab_size = 0;          // token_embedding.weight.shape[0]
  int64_t transformer_width = 0;   // ln_final.weight.shape[0]
  int64_t transformer_heads = 0;   // transformer_width / 64
  int64_t transformer_layers = 0;  // number of transformer.resblocks.{i}

  bool is_resnet() const { return vision_kind == ClipVisionKind::kModifiedResNet; }
  // ViT: patches per side; ResNet: the side of the last feature map (image_resolution / 32).
  int64_t grid_size() const {
    return is_resnet() ? image_resolution / 32 : image_resolution / vision_patch_size;
  }
  // ViT: class token + one token per patch. ResNet: the attention pool's mean token + one per
  // position of the last feature map.
  int64_t num_visual_tokens() const { return grid_size() * grid_size() + 1; }
  // ResNet: channels the attention pool reads (vision_width * 32).
  int64_t resnet_embed_width() const { return vision_width * 32; }

  // "embed 512; vision ViT width 768 x 12 layers (12 heads), patch 32, 224 px ...; text ...".
  std::string ToString() const;
  bool operator==(const ClipConfig&) const = default;
};

// Detects the configuration of a CLIP checkpoint (OpenAI key names): ViT when visual.proj is
// present, modified ResNet when visual.layer1.* / visual.attnpool.* are. Errors: NotFound naming
// a missing key; InvalidArgument for inconsistent shapes (a positional embedding whose length is
// not grid^2 + 1, a width smaller than one 64-wide head, a ResNet stage without blocks).
StatusOr<ClipConfig> DetectClipConfig(const weights::StateDict& dict);

// Every key of an OpenAI CLIP state dict for `config`, with its shape (the three ignored int64
// scalars and the batch norms' num_batches_tracked counters excluded): what a checkpoint must
// hold, e.g. to make random-weight models for benchmarks or to write a newly trained model under
// the original names. ResNet batch norms include running_mean and running_var.
std::map<std::string, std::vector<int64_t>> ClipStateDictShapes(const ClipConfig& config);

// The configuration of a released OpenAI model (clip.py _MODELS, with the values build_model
// derives): "RN50", "RN101", "RN50x4", "RN50x16", "RN50x64", "ViT-B/32", "ViT-B/16", "ViT-L/14"
// or "ViT-L/14@336px"; std::nullopt for another name. For benchmarks and tests at real sizes.
std::optional<ClipConfig> ReleasedClipConfig(std::string_view name);

}  // namespace clipglass::models
