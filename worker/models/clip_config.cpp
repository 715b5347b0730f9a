#include "worker/models/clip_config.h"

#include <cmath>
#include <sstream>
#include <vector>

namespace clipglass::models {
namespace {

// The tensor under `key` with exactly `rank` dimensions.
StatusOr<at::Tensor> GetWithRank(const weights::StateDict& dict, const std::string& key,
                                 int64_t rank) {
  CG_ASSIGN_OR_RETURN(at::Tensor t, dict.Get(key));
  if (t.dim() != rank) {
    std::ostringstream msg;
    msg << dict.source << ": " << key << " has shape " << t.sizes() << ", expected " << rank
        << " dimensions";
    return InvalidArgumentError(msg.str());
  }
  return t;
}

bool HasKeyWithPrefix(const weights::StateDict& dict, const std::string& prefix) {
  auto it = dict.tensors.lower_bound(prefix);
  return it != dict.tensors.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

// heads = width // 64, as build_model(); at least one head that divides the width.
StatusOr<int64_t> HeadsForWidth(const weights::StateDict& dict, const std::string& what,
                                int64_t width) {
  const int64_t heads = width / 64;
  if (heads < 1 || width % heads != 0) {
    std::ostringstream msg;
    msg << dict.source << ": " << what << " width " << width
        << " gives no valid head count (heads = width / 64)";
    return InvalidArgumentError(msg.str());
  }
  return heads;
}

}  // namespace

std::string ClipConfig::ToString() const {
  std::ostringstream s;
  s << "embed " << embed_dim << "; vision ViT width " << vision_width << " x " << vision_layers
    << " layers (" << vision_heads << " heads), patch " << vision_patch_size << ", "
    << image_resolution << " px (" << num_visual_tokens() << " tokens); text width "
    << transformer_width << " x " << transformer_layers << " layers (" << transformer_heads
    << " heads), context " << context_length << ", vocab " << vocab_size;
  return s.str();
}

StatusOr<ClipConfig> DetectClipConfig(const weights::StateDict& dict) {
  if (!dict.Has("visual.proj")) {
    if (HasKeyWithPrefix(dict, "visual.layer1.") || HasKeyWithPrefix(dict, "visual.attnpool.")) {
      return UnimplementedError(
          dict.source +
          ": modified-ResNet CLIP checkpoints (RN50, RN101, RN50x4, ...; keys visual.layer1.*, "
          "visual.attnpool.*) are not supported; use a ViT checkpoint (ViT-B/32, ViT-B/16, "
          "ViT-L/14, ...)");
    }
    return NotFoundError(dict.source + ": not a ViT CLIP checkpoint: key visual.proj not found");
  }
  ClipConfig c;

  // Vision.
  CG_ASSIGN_OR_RETURN(at::Tensor conv1, GetWithRank(dict, "visual.conv1.weight", 4));
  CG_ASSIGN_OR_RETURN(at::Tensor visual_pos, GetWithRank(dict, "visual.positional_embedding", 2));
  c.vision_width = conv1.size(0);
  c.vision_patch_size = conv1.size(3);
  c.vision_layers = dict.CountIndexed("visual.transformer.resblocks.");
  const int64_t patches = visual_pos.size(0) - 1;
  const auto grid = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(patches))));
  if (patches < 1 || grid * grid != patches || conv1.size(2) != c.vision_patch_size ||
      conv1.size(1) != 3) {
    std::ostringstream msg;
    msg << dict.source << ": visual.positional_embedding " << visual_pos.sizes()
        << " and visual.conv1.weight " << conv1.sizes()
        << " do not describe a square grid of square RGB patches";
    return InvalidArgumentError(msg.str());
  }
  c.image_resolution = c.vision_patch_size * grid;
  CG_ASSIGN_OR_RETURN(c.vision_heads, HeadsForWidth(dict, "vision", c.vision_width));

  // Text.
  CG_ASSIGN_OR_RETURN(at::Tensor text_projection, GetWithRank(dict, "text_projection", 2));
  CG_ASSIGN_OR_RETURN(at::Tensor text_pos, GetWithRank(dict, "positional_embedding", 2));
  CG_ASSIGN_OR_RETURN(at::Tensor token_embedding, GetWithRank(dict, "token_embedding.weight", 2));
  CG_ASSIGN_OR_RETURN(at::Tensor ln_final, GetWithRank(dict, "ln_final.weight", 1));
  c.embed_dim = text_projection.size(1);
  c.context_length = text_pos.size(0);
  c.vocab_size = token_embedding.size(0);
  c.transformer_width = ln_final.size(0);
  c.transformer_layers = dict.CountIndexed("transformer.resblocks.");
  CG_ASSIGN_OR_RETURN(c.transformer_heads, HeadsForWidth(dict, "text", c.transformer_width));

  if (c.vision_layers < 1 || c.transformer_layers < 1) {
    return InvalidArgumentError(dict.source + ": no resblocks found (vision " +
                                std::to_string(c.vision_layers) + ", text " +
                                std::to_string(c.transformer_layers) + ")");
  }
  return c;
}

std::map<std::string, std::vector<int64_t>> ClipStateDictShapes(const ClipConfig& c) {
  std::map<std::string, std::vector<int64_t>> shapes;
  auto blocks = [&shapes](const std::string& prefix, int64_t width, int64_t layers) {
    for (int64_t i = 0; i < layers; ++i) {
      const std::string p = prefix + std::to_string(i) + ".";
      shapes[p + "attn.in_proj_weight"] = {3 * width, width};
      shapes[p + "attn.in_proj_bias"] = {3 * width};
      shapes[p + "attn.out_proj.weight"] = {width, width};
      shapes[p + "attn.out_proj.bias"] = {width};
      shapes[p + "mlp.c_fc.weight"] = {4 * width, width};
      shapes[p + "mlp.c_fc.bias"] = {4 * width};
      shapes[p + "mlp.c_proj.weight"] = {width, 4 * width};
      shapes[p + "mlp.c_proj.bias"] = {width};
      for (const char* ln : {"ln_1.", "ln_2."}) {
        shapes[p + ln + "weight"] = {width};
        shapes[p + ln + "bias"] = {width};
      }
    }
  };
  const int64_t vw = c.vision_width;
  shapes["visual.conv1.weight"] = {vw, 3, c.vision_patch_size, c.vision_patch_size};
  shapes["visual.class_embedding"] = {vw};
  shapes["visual.positional_embedding"] = {c.num_visual_tokens(), vw};
  blocks("visual.transformer.resblocks.", vw, c.vision_layers);
  for (const char* ln : {"visual.ln_pre.", "visual.ln_post."}) {
    shapes[std::string(ln) + "weight"] = {vw};
    shapes[std::string(ln) + "bias"] = {vw};
  }
  shapes["visual.proj"] = {vw, c.embed_dim};
  const int64_t tw = c.transformer_width;
  shapes["token_embedding.weight"] = {c.vocab_size, tw};
  shapes["positional_embedding"] = {c.context_length, tw};
  blocks("transformer.resblocks.", tw, c.transformer_layers);
  shapes["ln_final.weight"] = {tw};
  shapes["ln_final.bias"] = {tw};
  shapes["text_projection"] = {tw, c.embed_dim};
  shapes["logit_scale"] = {};
  return shapes;
}

std::optional<ClipConfig> ReleasedClipConfig(std::string_view name) {
  struct Released {
    std::string_view name;
    int64_t embed_dim, vision_width, vision_layers, patch, resolution, text_width, text_layers;
  };
  static constexpr Released kReleased[] = {
      {"ViT-B/32", 512, 768, 12, 32, 224, 512, 12},
      {"ViT-B/16", 512, 768, 12, 16, 224, 512, 12},
      {"ViT-L/14", 768, 1024, 24, 14, 224, 768, 12},
      {"ViT-L/14@336px", 768, 1024, 24, 14, 336, 768, 12},
  };
  for (const Released& r : kReleased) {
    if (r.name != name) continue;
    ClipConfig c;
    c.embed_dim = r.embed_dim;
    c.vision_width = r.vision_width;
    c.vision_layers = r.vision_layers;
    c.vision_heads = r.vision_width / 64;  // as build_model
    c.vision_patch_size = r.patch;
    c.image_resolution = r.resolution;
    c.context_length = 77;
    c.vocab_size = 49408;
    c.transformer_width = r.text_width;
    c.transformer_heads = r.text_width / 64;
    c.transformer_layers = r.text_layers;
    return c;
  }
  return std::nullopt;
}

}  // namespace clipglass::models
