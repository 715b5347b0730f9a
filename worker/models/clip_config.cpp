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

// VisionTransformer's hyper-parameters from conv1 (width, patch) and the positional embedding.
Status DetectViTVision(const weights::StateDict& dict, ClipConfig& c) {
  c.vision_kind = ClipVisionKind::kViT;
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
  return Status::Ok();
}

// ModifiedResNet's hyper-parameters, as build_model reads them: blocks per stage from the
// indices under visual.layer{1..4}, width from layer1.0.conv1, resolution from the attention
// pool's positional embedding; every other shape is then checked when the weights are loaded.
Status DetectResNetVision(const weights::StateDict& dict, ClipConfig& c) {
  c.vision_kind = ClipVisionKind::kModifiedResNet;
  for (int stage = 0; stage < 4; ++stage) {
    const std::string prefix = "visual.layer" + std::to_string(stage + 1) + ".";
    c.vision_resnet_layers[stage] = dict.CountIndexed(prefix);
    if (c.vision_resnet_layers[stage] < 1) {
      return InvalidArgumentError(dict.source + ": modified-ResNet CLIP without blocks under " +
                                  prefix + "*");
    }
  }
  CG_ASSIGN_OR_RETURN(at::Tensor layer1_conv1,
                      GetWithRank(dict, "visual.layer1.0.conv1.weight", 4));
  CG_ASSIGN_OR_RETURN(at::Tensor pool_pos,
                      GetWithRank(dict, "visual.attnpool.positional_embedding", 2));
  c.vision_width = layer1_conv1.size(0);
  c.vision_layers = 0;
  c.vision_patch_size = 0;
  const int64_t positions = pool_pos.size(0) - 1;
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(positions))));
  if (positions < 1 || side * side != positions || pool_pos.size(1) != c.resnet_embed_width()) {
    std::ostringstream msg;
    msg << dict.source << ": visual.attnpool.positional_embedding " << pool_pos.sizes()
        << " is not [side^2 + 1, 32 x " << c.vision_width << "] for the width of "
        << "visual.layer1.0.conv1.weight " << layer1_conv1.sizes();
    return InvalidArgumentError(msg.str());
  }
  c.image_resolution = side * 32;
  c.vision_heads = ResNetAttentionPoolHeads(c.vision_width);
  if (c.vision_heads < 1 || c.resnet_embed_width() % c.vision_heads != 0) {
    return InvalidArgumentError(dict.source + ": modified-ResNet width " +
                                std::to_string(c.vision_width) +
                                " gives no valid attention-pool head count (width * 32 / 64)");
  }
  return Status::Ok();
}

// ModifiedResNet's keys: the three-conv stem, four stages of bottlenecks (the first block of each
// stage has a downsample branch: AvgPool2d, 1x1 conv "0", batch norm "1"), the attention pool.
void ResNetVisionShapes(const ClipConfig& c, std::map<std::string, std::vector<int64_t>>& shapes) {
  auto batch_norm = [&shapes](const std::string& prefix, int64_t channels) {
    for (const char* name : {"weight", "bias", "running_mean", "running_var"}) {
      shapes[prefix + name] = {channels};
    }
  };
  auto conv = [&shapes](const std::string& key, int64_t out, int64_t in, int64_t kernel) {
    shapes[key] = {out, in, kernel, kernel};
  };
  const int64_t w = c.vision_width;
  conv("visual.conv1.weight", w / 2, 3, 3);
  batch_norm("visual.bn1.", w / 2);
  conv("visual.conv2.weight", w / 2, w / 2, 3);
  batch_norm("visual.bn2.", w / 2);
  conv("visual.conv3.weight", w, w / 2, 3);
  batch_norm("visual.bn3.", w);
  int64_t inplanes = w;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t planes = w << stage;
    for (int64_t i = 0; i < c.vision_resnet_layers[stage]; ++i) {
      const std::string p =
          "visual.layer" + std::to_string(stage + 1) + "." + std::to_string(i) + ".";
      conv(p + "conv1.weight", planes, inplanes, 1);
      batch_norm(p + "bn1.", planes);
      conv(p + "conv2.weight", planes, planes, 3);
      batch_norm(p + "bn2.", planes);
      conv(p + "conv3.weight", 4 * planes, planes, 1);
      batch_norm(p + "bn3.", 4 * planes);
      if (i == 0) {  // stride 2 from the second stage on, or a channel change: always here
        conv(p + "downsample.0.weight", 4 * planes, inplanes, 1);
        batch_norm(p + "downsample.1.", 4 * planes);
      }
      inplanes = 4 * planes;
    }
  }
  const int64_t e = c.resnet_embed_width();
  shapes["visual.attnpool.positional_embedding"] = {c.num_visual_tokens(), e};
  for (const char* proj : {"q_proj.", "k_proj.", "v_proj."}) {
    shapes[std::string("visual.attnpool.") + proj + "weight"] = {e, e};
    shapes[std::string("visual.attnpool.") + proj + "bias"] = {e};
  }
  shapes["visual.attnpool.c_proj.weight"] = {c.embed_dim, e};
  shapes["visual.attnpool.c_proj.bias"] = {c.embed_dim};
}

// Every release's text tower: context 77, the 49408-id vocabulary, heads = width / 64.
void SetReleasedText(ClipConfig& c, int64_t width, int64_t layers) {
  c.context_length = 77;
  c.vocab_size = 49408;
  c.transformer_width = width;
  c.transformer_heads = width / 64;
  c.transformer_layers = layers;
}

}  // namespace

std::string ClipConfig::ToString() const {
  std::ostringstream s;
  s << "embed " << embed_dim << "; vision ";
  if (is_resnet()) {
    s << "modified ResNet width " << vision_width << ", blocks " << vision_resnet_layers[0] << "-"
      << vision_resnet_layers[1] << "-" << vision_resnet_layers[2] << "-" << vision_resnet_layers[3]
      << " (attention pool " << vision_heads << " heads), " << image_resolution << " px";
  } else {
    s << "ViT width " << vision_width << " x " << vision_layers << " layers (" << vision_heads
      << " heads), patch " << vision_patch_size << ", " << image_resolution << " px ("
      << num_visual_tokens() << " tokens)";
  }
  s << "; text width " << transformer_width << " x " << transformer_layers << " layers ("
    << transformer_heads << " heads), context " << context_length << ", vocab " << vocab_size;
  return s.str();
}

StatusOr<ClipConfig> DetectClipConfig(const weights::StateDict& dict) {
  const bool resnet =
      HasKeyWithPrefix(dict, "visual.layer1.") || HasKeyWithPrefix(dict, "visual.attnpool.");
  if (!dict.Has("visual.proj") && !resnet) {
    return NotFoundError(dict.source +
                         ": not a CLIP checkpoint: neither visual.proj (ViT) nor visual.layer1.* "
                         "/ visual.attnpool.* (modified ResNet) found");
  }
  ClipConfig c;
  if (resnet) {
    CG_RETURN_IF_ERROR(DetectResNetVision(dict, c));
  } else {
    CG_RETURN_IF_ERROR(DetectViTVision(dict, c));
  }

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

  if ((!c.is_resnet() && c.vision_layers < 1) || c.transformer_layers < 1) {
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
  if (c.is_resnet()) {
    ResNetVisionShapes(c, shapes);
  } else {
    shapes["visual.conv1.weight"] = {vw, 3, c.vision_patch_size, c.vision_patch_size};
    shapes["visual.class_embedding"] = {vw};
    shapes["visual.positional_embedding"] = {c.num_visual_tokens(), vw};
    blocks("visual.transformer.resblocks.", vw, c.vision_layers);
    for (const char* ln : {"visual.ln_pre.", "visual.ln_post."}) {
      shapes[std::string(ln) + "weight"] = {vw};
      shapes[std::string(ln) + "bias"] = {vw};
    }
    shapes["visual.proj"] = {vw, c.embed_dim};
  }
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
  struct ReleasedResNet {
    std::string_view name;
    int64_t embed_dim, width;
    std::array<int64_t, 4> blocks;
    int64_t resolution, text_width;
  };
  static constexpr ReleasedResNet kReleasedResNets[] = {
      {"RN50", 1024, 64, {3, 4, 6, 3}, 224, 512},
      {"RN101", 512, 64, {3, 4, 23, 3}, 224, 512},
      {"RN50x4", 640, 80, {4, 6, 10, 6}, 288, 640},
      {"RN50x16", 768, 96, {6, 8, 18, 8}, 384, 768},
      {"RN50x64", 1024, 128, {3, 15, 36, 10}, 448, 1024},
  };
  for (const ReleasedResNet& r : kReleasedResNets) {
    if (r.name != name) continue;
    ClipConfig c;
    c.embed_dim = r.embed_dim;
    c.vision_kind = ClipVisionKind::kModifiedResNet;
    c.vision_width = r.width;
    c.vision_heads = ResNetAttentionPoolHeads(r.width);
    c.vision_resnet_layers = r.blocks;
    c.image_resolution = r.resolution;
    SetReleasedText(c, r.text_width, 12);
    return c;
  }
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
    SetReleasedText(c, r.text_width, r.text_layers);
    return c;
  }
  return std::nullopt;
}

}  // namespace clipglass::models
