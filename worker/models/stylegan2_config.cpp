#include "worker/models/stylegan2_config.h"

#include <ATen/core/Tensor.h>
#include <fmt/format.h>

#include <algorithm>

#include "worker/weights/state_dict.h"

namespace clipglass::models {
namespace {

// True when some key of the dict starts with `prefix`.
bool HasPrefix(const weights::StateDict& dict, const std::string& prefix) {
  const auto it = dict.tensors.lower_bound(prefix);
  return it != dict.tensors.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

// The tensor at `key`, checked to have `dims` dimensions.
StatusOr<at::Tensor> GetWithDims(const weights::StateDict& dict, const std::string& key,
                                 int64_t dims) {
  CG_ASSIGN_OR_RETURN(at::Tensor t, dict.Get(key));
  if (t.dim() != dims) {
    return InvalidArgumentError(
        fmt::format("{}: {} should have {} dimensions, has {}", dict.source, key, dims, t.dim()));
  }
  return t;
}

Status Mismatch(const weights::StateDict& dict, const std::string& key, const std::string& what,
                int64_t expected, int64_t actual) {
  return InvalidArgumentError(
      fmt::format("{}: {}: {} is {}, expected {}", dict.source, key, what, actual, expected));
}

int64_t Log2(int64_t x) {
  int64_t log = 0;
  while ((int64_t{1} << log) < x) ++log;
  return log;
}

std::string ChannelList(const std::map<int64_t, int64_t>& channels) {
  std::string out;
  for (const auto& [res, ch] : channels) out += fmt::format(" {}:{}", res, ch);
  return out;
}

}  // namespace

StatusOr<NoiseMode> ParseNoiseMode(const std::string& name) {
  if (name == "const") return NoiseMode::kConst;
  if (name == "random") return NoiseMode::kRandom;
  if (name == "none") return NoiseMode::kNone;
  return InvalidArgumentError("unknown noise mode '" + name + "' (const, random or none)");
}

const char* NoiseModeName(NoiseMode mode) {
  switch (mode) {
    case NoiseMode::kConst:
      return "const";
    case NoiseMode::kRandom:
      return "random";
    case NoiseMode::kNone:
      return "none";
  }
  return "?";
}

bool IsStylegan2Generator(const weights::StateDict& dict) {
  return dict.Has("mapping.fc0.weight") && dict.Has("synthesis.b4.const");
}

bool IsStylegan2Discriminator(const weights::StateDict& dict) {
  return dict.Has("b4.fc.weight") && dict.Has("b4.out.weight");
}

StatusOr<Stylegan2GeneratorConfig> DetectStylegan2GeneratorConfig(const weights::StateDict& dict) {
  Stylegan2GeneratorConfig config;
  if (HasPrefix(dict, "mapping.embed.")) {
    return UnimplementedError(dict.source +
                              ": conditional StyleGAN2 generators (mapping.embed.*) are not "
                              "supported");
  }

  // Mapping network.
  const int num_layers = dict.CountIndexed("mapping.fc");
  if (num_layers < 1) return NotFoundError(dict.source + ": no mapping.fc0.weight");
  config.mapping_features.clear();
  for (int i = 0; i < num_layers; ++i) {
    const std::string key = fmt::format("mapping.fc{}.weight", i);
    CG_ASSIGN_OR_RETURN(at::Tensor w, GetWithDims(dict, key, 2));  // w: [out, in]
    if (i == 0) {
      config.mapping_features.push_back(w.size(1));
    } else if (w.size(1) != config.mapping_features.back()) {
      return Mismatch(dict, key, "input features", config.mapping_features.back(), w.size(1));
    }
    config.mapping_features.push_back(w.size(0));
  }
  config.z_dim = config.mapping_features.front();
  config.w_dim = config.mapping_features.back();
  config.has_w_avg = dict.Has("mapping.w_avg");
  if (config.has_w_avg) {
    CG_ASSIGN_OR_RETURN(at::Tensor w_avg, GetWithDims(dict, "mapping.w_avg", 1));
    if (w_avg.size(0) != config.w_dim) {
      return Mismatch(dict, "mapping.w_avg", "size", config.w_dim, w_avg.size(0));
    }
  }

  // Synthesis network: blocks b4, b8, ... as long as keys exist.
  CG_ASSIGN_OR_RETURN(at::Tensor constant, GetWithDims(dict, "synthesis.b4.const", 3));
  if (constant.size(1) != 4 || constant.size(2) != 4) {
    return InvalidArgumentError(dict.source + ": synthesis.b4.const should be [C, 4, 4]");
  }
  config.block_resolutions.clear();
  config.channels.clear();
  config.num_ws = 0;
  for (int64_t res = 4; HasPrefix(dict, fmt::format("synthesis.b{}.", res)); res *= 2) {
    const std::string block = fmt::format("synthesis.b{}.", res);
    if (dict.Has(block + "skip.weight")) {
      return UnimplementedError(dict.source + ": 'resnet' StyleGAN2 generators (" + block +
                                "skip.weight) are not supported; the released ones are 'skip'");
    }
    CG_ASSIGN_OR_RETURN(at::Tensor conv1, GetWithDims(dict, block + "conv1.weight", 4));
    const int64_t out_channels = conv1.size(0);
    config.kernel_size = conv1.size(2);
    if (res == 4) {
      if (constant.size(0) != out_channels) {
        return Mismatch(dict, "synthesis.b4.const", "channels", out_channels, constant.size(0));
      }
      config.num_ws += 1;
    } else {
      CG_ASSIGN_OR_RETURN(at::Tensor conv0, GetWithDims(dict, block + "conv0.weight", 4));
      if (conv0.size(1) != config.channels.at(res / 2)) {
        return Mismatch(dict, block + "conv0.weight", "input channels", config.channels.at(res / 2),
                        conv0.size(1));
      }
      if (conv0.size(0) != out_channels) {
        return Mismatch(dict, block + "conv0.weight", "output channels", out_channels,
                        conv0.size(0));
      }
      config.num_ws += 2;
    }
    for (const char* layer : {"conv0", "conv1", "torgb"}) {
      if (res == 4 && std::string(layer) == "conv0") continue;
      const std::string key = block + layer + ".affine.weight";
      CG_ASSIGN_OR_RETURN(at::Tensor affine, GetWithDims(dict, key, 2));  // [in_channels, w_dim]
      if (affine.size(1) != config.w_dim) {
        return Mismatch(dict, key, "w_dim", config.w_dim, affine.size(1));
      }
    }
    if (!dict.Has(block + "torgb.weight")) {
      return UnimplementedError(dict.source + ": " + block +
                                "torgb.weight is missing: only the 'skip' generator architecture "
                                "(a ToRGB in every block) is supported");
    }
    CG_ASSIGN_OR_RETURN(at::Tensor torgb, GetWithDims(dict, block + "torgb.weight", 4));
    config.img_channels = torgb.size(0);
    config.channels[res] = out_channels;
    config.block_resolutions.push_back(res);
  }
  config.img_resolution = config.block_resolutions.back();
  config.num_ws += 1;  // the last block's ToRGB has its own w
  config.use_noise = dict.Has("synthesis.b4.conv1.noise_strength");
  return config;
}

StatusOr<Stylegan2DiscriminatorConfig> DetectStylegan2DiscriminatorConfig(
    const weights::StateDict& dict) {
  Stylegan2DiscriminatorConfig config;
  if (HasPrefix(dict, "mapping.")) {
    return UnimplementedError(dict.source +
                              ": conditional StyleGAN2 discriminators (mapping.*) are not "
                              "supported");
  }
  CG_ASSIGN_OR_RETURN(at::Tensor out, GetWithDims(dict, "b4.out.weight", 2));  // [1, C4]
  if (out.size(0) != 1) {
    return UnimplementedError(dict.source + ": b4.out.weight has " + std::to_string(out.size(0)) +
                              " outputs; only unconditional discriminators (1) are supported");
  }
  CG_ASSIGN_OR_RETURN(at::Tensor conv, GetWithDims(dict, "b4.conv.weight", 4));  // [C4, C4+F, 3, 3]
  const int64_t c4 = conv.size(0);
  config.mbstd_num_channels = conv.size(1) - c4;
  if (config.mbstd_num_channels < 0) {
    return InvalidArgumentError(dict.source + ": b4.conv.weight has fewer inputs than outputs");
  }
  CG_ASSIGN_OR_RETURN(at::Tensor fc, GetWithDims(dict, "b4.fc.weight", 2));  // [C4, C4*16]
  if (fc.size(1) != c4 * 16) return Mismatch(dict, "b4.fc.weight", "inputs", c4 * 16, fc.size(1));
  if (out.size(1) != fc.size(0)) {
    return Mismatch(dict, "b4.out.weight", "inputs", fc.size(0), out.size(1));
  }
  config.channels[4] = c4;

  std::vector<int64_t> resolutions;
  for (int64_t res = 8; HasPrefix(dict, fmt::format("b{}.", res)); res *= 2) {
    resolutions.push_back(res);
  }
  if (resolutions.empty()) return NotFoundError(dict.source + ": no discriminator block b8");
  config.img_resolution = resolutions.back();
  config.block_resolutions.assign(resolutions.rbegin(), resolutions.rend());

  // Walk from the lowest resolution up, checking each block's output against the next one.
  for (const int64_t res : resolutions) {
    const std::string block = fmt::format("b{}.", res);
    CG_ASSIGN_OR_RETURN(at::Tensor conv0, GetWithDims(dict, block + "conv0.weight", 4));
    CG_ASSIGN_OR_RETURN(at::Tensor conv1, GetWithDims(dict, block + "conv1.weight", 4));
    if (!dict.Has(block + "skip.weight")) {
      return UnimplementedError(dict.source + ": " + block +
                                "skip.weight is missing: only the 'resnet' discriminator "
                                "architecture is supported");
    }
    const int64_t tmp = conv0.size(0);
    if (conv1.size(0) != config.channels.at(res / 2)) {
      return Mismatch(dict, block + "conv1.weight", "output channels", config.channels.at(res / 2),
                      conv1.size(0));
    }
    if (conv1.size(1) != tmp) {
      return Mismatch(dict, block + "conv1.weight", "input channels", tmp, conv1.size(1));
    }
    config.channels[res] = tmp;
    const bool first = res == config.img_resolution;
    if (dict.Has(block + "fromrgb.weight") != first) {
      return UnimplementedError(dict.source + ": " + block +
                                "fromrgb: only the 'resnet' discriminator (FromRGB in the first "
                                "block only) is supported");
    }
    if (first) {
      CG_ASSIGN_OR_RETURN(at::Tensor fromrgb, GetWithDims(dict, block + "fromrgb.weight", 4));
      config.img_channels = fromrgb.size(1);
      if (fromrgb.size(0) != tmp) {
        return Mismatch(dict, block + "fromrgb.weight", "output channels", tmp, fromrgb.size(0));
      }
    }
  }
  return config;
}

Stylegan2GeneratorConfig MakeStylegan2GeneratorConfig(int64_t resolution, int64_t channel_base,
                                                      int64_t channel_max, int64_t z_dim,
                                                      int64_t w_dim, int64_t mapping_layers) {
  Stylegan2GeneratorConfig config;
  config.z_dim = z_dim;
  config.w_dim = w_dim;
  config.mapping_features.assign(1, z_dim);
  for (int64_t i = 0; i < mapping_layers; ++i) config.mapping_features.push_back(w_dim);
  config.img_resolution = resolution;
  config.block_resolutions.clear();
  for (int64_t res = 4; res <= resolution; res *= 2) {
    config.block_resolutions.push_back(res);
    config.channels[res] = std::min(channel_base / res, channel_max);
  }
  config.num_ws = 2 * Log2(resolution) - 2;
  return config;
}

Stylegan2DiscriminatorConfig MakeStylegan2DiscriminatorConfig(int64_t resolution,
                                                              int64_t channel_base,
                                                              int64_t channel_max) {
  Stylegan2DiscriminatorConfig config;
  config.img_resolution = resolution;
  for (int64_t res = resolution; res >= 4; res /= 2) {
    if (res > 4) config.block_resolutions.push_back(res);
    config.channels[res] = std::min(channel_base / res, channel_max);
  }
  return config;
}

std::string Describe(const Stylegan2GeneratorConfig& config) {
  std::string out = fmt::format("G {0}x{0}x{1} z{2} w{3} ws{4} mapping {5}", config.img_resolution,
                                config.img_channels, config.z_dim, config.w_dim, config.num_ws,
                                config.num_mapping_layers());
  if (config.content_height > 0) {
    out += fmt::format(" content {}x{}", config.content_width, config.content_height);
  }
  if (config.conv_clamp) out += fmt::format(" conv_clamp {}", *config.conv_clamp);
  return out + " channels" + ChannelList(config.channels);
}

std::string Describe(const Stylegan2DiscriminatorConfig& config) {
  std::string out =
      fmt::format("D {0}x{0}x{1} mbstd {2}x{3}", config.img_resolution, config.img_channels,
                  config.mbstd_group_size, config.mbstd_num_channels);
  if (config.conv_clamp) out += fmt::format(" conv_clamp {}", *config.conv_clamp);
  return out + " channels" + ChannelList(config.channels);
}

}  // namespace clipglass::models
