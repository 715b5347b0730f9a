// CLIP (ViT variants) hyper-parameters, detected from a checkpoint's tensors.
//
// Ref: OpenAI CLIP, clip/model.py build_model() (early-2021 copy vendored in clip-glass): every
// dimension is read from the shapes of the state dict, never from a name or a side file.
#pragma once

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

struct ClipConfig {
  int64_t embed_dim = 0;  // shared embedding size: text_projection.shape[1]

  // Vision transformer ("visual.*").
  int64_t vision_width = 0;       // visual.conv1.weight.shape[0]
  int64_t vision_layers = 0;      // number of visual.transformer.resblocks.{i}
  int64_t vision_patch_size = 0;  // visual.conv1.weight.shape[-1]
  int64_t vision_heads = 0;       // vision_width / 64 (integer division, as build_model)
  int64_t image_resolution = 0;   // patch * sqrt(len(visual.positional_embedding) - 1)

  // Text transformer (top-level keys).
  int64_t context_length = 0;      // positional_embedding.shape[0]
  int64_t vocab_size = 0;          // token_embedding.weight.shape[0]
  int64_t transformer_width = 0;   // ln_final.weight.shape[0]
  int64_t transformer_heads = 0;   // transformer_width / 64
  int64_t transformer_layers = 0;  // number of transformer.resblocks.{i}

  int64_t grid_size() const { return image_resolution / vision_patch_size; }
  // Class token + one token per patch.
  int64_t num_visual_tokens() const { return grid_size() * grid_size() + 1; }

  // "ViT-B/32-like: embed 512, vision 768x12 (12 heads, patch 32, 224 px), text 512x12 ...".
  std::string ToString() const;
  bool operator==(const ClipConfig&) const = default;
};

// Detects the configuration of a ViT CLIP checkpoint (OpenAI key names). Errors:
// Unimplemented for the modified-ResNet variants (RN50, RN101, RN50x4, ...: keys visual.layer1...,
// visual.attnpool...); NotFound naming a missing key; InvalidArgument for inconsistent shapes (a
// positional embedding whose length is not grid^2 + 1, a width smaller than one 64-wide head).
StatusOr<ClipConfig> DetectClipConfig(const weights::StateDict& dict);

// Every key of an OpenAI ViT CLIP state dict for `config`, with its shape (the three ignored
// int64 scalars excluded): what a checkpoint must hold, e.g. to make random-weight models for
// benchmarks or to write a newly trained model under the original names.
std::map<std::string, std::vector<int64_t>> ClipStateDictShapes(const ClipConfig& config);

// The configuration of a released OpenAI ViT model (clip.py _MODELS, with the values
// build_model derives): "ViT-B/32", "ViT-B/16", "ViT-L/14" or "ViT-L/14@336px"; std::nullopt
// for another name. For benchmarks and tests at the real sizes.
std::optional<ClipConfig> ReleasedClipConfig(std::string_view name);

}  // namespace clipglass::models
