// Config detection, standing-statistics selection, the CLIP-GLaSS latent mapping and the runner
// (device, dtype, batching, inference mode, errors) around the modules of biggan_modules.h.
//
// Ref: huggingface/pytorch-pretrained-BigGAN model.py / config.py (1e18aed); clip-glass latent.py.
#include "worker/models/biggan.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "worker/models/biggan_modules.h"

namespace clipglass::models {
namespace {

std::string Shape(const at::Tensor& t) {
  std::string out = "[";
  for (int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
  return out + "]";
}

// The tensor at `key` with `dims` dimensions.
StatusOr<at::Tensor> GetTensor(const weights::StateDict& dict, const std::string& key,
                               int64_t dims) {
  CG_ASSIGN_OR_RETURN(at::Tensor t, dict.Get(key));
  if (t.dim() != dims) {
    return InvalidArgumentError(dict.source + ": '" + key + "' has shape " + Shape(t) +
                                ", expected " + std::to_string(dims) + " dimensions");
  }
  return t;
}

std::string LayerPrefix(int64_t index) { return "generator.layers." + std::to_string(index) + "."; }

std::string ErrorText(const c10::Error& e) { return e.what_without_backtrace(); }

}  // namespace

int64_t BigGanConfig::LayerIndex(int64_t block) const {
  return block + ((attention_position >= 0 && block >= attention_position) ? 1 : 0);
}

Status BigGanConfig::Validate() const {
  auto bad = [](const std::string& m) { return InvalidArgumentError("biggan config: " + m); };
  if (z_dim <= 0 || num_classes <= 0 || channel_width <= 0) {
    return bad("z_dim, num_classes and channel_width must be positive");
  }
  if (n_stats < 2) return bad("n_stats must be at least 2, got " + std::to_string(n_stats));
  if (blocks.empty()) return bad("no generator blocks");
  if (!(eps > 0.0)) return bad("eps must be positive");
  int64_t channels = gen_z_channels();
  int64_t resolution = 4;
  for (size_t k = 0; k < blocks.size(); ++k) {
    const BigGanBlockConfig& b = blocks[k];
    const std::string name = "block " + std::to_string(k);
    if (attention_position == static_cast<int64_t>(k)) {
      if (attention_channels != channels || channels % 8 != 0 || resolution % 2 != 0) {
        return bad("attention before " + name + " has " + std::to_string(attention_channels) +
                   " channels at " + std::to_string(resolution) + " px; expected " +
                   std::to_string(channels) + " (a multiple of 8) at an even resolution");
      }
    }
    if (b.in_channels != channels) {
      return bad(name + " takes " + std::to_string(b.in_channels) + " channels but receives " +
                 std::to_string(channels));
    }
    if (b.middle_channels != b.in_channels / 4 || b.middle_channels <= 0) {
      return bad(
          name + " has " + std::to_string(b.middle_channels) +
          " middle channels; the architecture uses in / 4 = " + std::to_string(b.in_channels / 4));
    }
    if (b.out_channels != b.in_channels && 2 * b.out_channels != b.in_channels) {
      return bad(name + " maps " + std::to_string(b.in_channels) + " to " +
                 std::to_string(b.out_channels) +
                 " channels; the skip path supports only out == in or out == in / 2");
    }
    channels = b.out_channels;
    if (b.up_sample) resolution *= 2;
  }
  if (attention_position >= static_cast<int64_t>(blocks.size()) || attention_position < -1) {
    return bad("attention position " + std::to_string(attention_position) + " is out of range");
  }
  if (channels != channel_width) {
    return bad("the last block gives " + std::to_string(channels) +
               " channels but conv_to_rgb takes " + std::to_string(channel_width));
  }
  if (resolution != output_resolution) {
    return bad("the blocks up-sample to " + std::to_string(resolution) +
               " px but output_resolution is " + std::to_string(output_resolution));
  }
  return Status::Ok();
}

BigGanConfig BigGanConfig::FromLayers(int64_t channel_width, const std::vector<LayerSpec>& layers,
                                      int64_t attention_position, int64_t z_dim,
                                      int64_t num_classes, int64_t n_stats) {
  BigGanConfig config;
  config.z_dim = z_dim;
  config.num_classes = num_classes;
  config.channel_width = channel_width;
  config.attention_position = attention_position;
  config.n_stats = n_stats;
  config.output_resolution = 4;
  for (size_t k = 0; k < layers.size(); ++k) {
    const LayerSpec& spec = layers[k];
    BigGanBlockConfig block;
    block.up_sample = spec.up_sample;
    block.in_channels = channel_width * spec.in_mult;
    block.middle_channels = block.in_channels / 4;
    block.out_channels = channel_width * spec.out_mult;
    if (static_cast<int64_t>(k) == attention_position)
      config.attention_channels = block.in_channels;
    if (spec.up_sample) config.output_resolution *= 2;
    config.blocks.push_back(block);
  }
  return config;
}

BigGanConfig BigGanConfig::Deep128() {
  return FromLayers(128,
                    {{false, 16, 16},
                     {true, 16, 16},
                     {false, 16, 16},
                     {true, 16, 8},
                     {false, 8, 8},
                     {true, 8, 4},
                     {false, 4, 4},
                     {true, 4, 2},
                     {false, 2, 2},
                     {true, 2, 1}},
                    8);
}

BigGanConfig BigGanConfig::Deep256() {
  return FromLayers(128,
                    {{false, 16, 16},
                     {true, 16, 16},
                     {false, 16, 16},
                     {true, 16, 8},
                     {false, 8, 8},
                     {true, 8, 8},
                     {false, 8, 8},
                     {true, 8, 4},
                     {false, 4, 4},
                     {true, 4, 2},
                     {false, 2, 2},
                     {true, 2, 1}},
                    8);
}

BigGanConfig BigGanConfig::Deep512() {
  return FromLayers(128,
                    {{false, 16, 16},
                     {true, 16, 16},
                     {false, 16, 16},
                     {true, 16, 8},
                     {false, 8, 8},
                     {true, 8, 8},
                     {false, 8, 8},
                     {true, 8, 4},
                     {false, 4, 4},
                     {true, 4, 2},
                     {false, 2, 2},
                     {true, 2, 1},
                     {false, 1, 1},
                     {true, 1, 1}},
                    8);
}

StatusOr<BigGanConfig> DetectBigGanConfig(const weights::StateDict& dict,
                                          const std::vector<bool>& up_sample) {
  BigGanConfig config;
  CG_ASSIGN_OR_RETURN(const at::Tensor embeddings, GetTensor(dict, "embeddings.weight", 2));
  config.z_dim = embeddings.size(0);  // [z_dim, num_classes]
  config.num_classes = embeddings.size(1);
  CG_ASSIGN_OR_RETURN(const at::Tensor gen_z, GetTensor(dict, "generator.gen_z.weight_orig", 2));
  CG_ASSIGN_OR_RETURN(const at::Tensor to_rgb,
                      GetTensor(dict, "generator.conv_to_rgb.weight_orig", 4));
  config.channel_width = to_rgb.size(0);  // [ch, ch, 3, 3]
  if (gen_z.size(1) != config.condition_dim() || gen_z.size(0) != 16 * config.gen_z_channels()) {
    return InvalidArgumentError(
        dict.source + ": 'generator.gen_z.weight_orig' has shape " + Shape(gen_z) + ", expected [" +
        std::to_string(16 * config.gen_z_channels()) + ", " +
        std::to_string(config.condition_dim()) + "] from embeddings.weight and conv_to_rgb");
  }
  CG_ASSIGN_OR_RETURN(const at::Tensor stats, GetTensor(dict, "generator.bn.running_means", 2));
  config.n_stats = stats.size(0);  // [n_stats, ch]

  config.attention_position = -1;
  const int layer_count = dict.CountIndexed("generator.layers.");
  for (int i = 0; i < layer_count; ++i) {
    const std::string prefix = LayerPrefix(i);
    if (dict.Has(prefix + "snconv1x1_theta.weight_orig")) {
      if (config.attention_position >= 0) {
        return InvalidArgumentError(dict.source + ": more than one self-attention layer (" +
                                    prefix + ")");
      }
      CG_ASSIGN_OR_RETURN(const at::Tensor theta,
                          GetTensor(dict, prefix + "snconv1x1_theta.weight_orig", 4));
      config.attention_position = static_cast<int64_t>(config.blocks.size());
      config.attention_channels = theta.size(1);  // [C/8, C, 1, 1]
      continue;
    }
    CG_ASSIGN_OR_RETURN(const at::Tensor conv_0, GetTensor(dict, prefix + "conv_0.weight_orig", 4));
    CG_ASSIGN_OR_RETURN(const at::Tensor conv_3, GetTensor(dict, prefix + "conv_3.weight_orig", 4));
    BigGanBlockConfig block;
    block.in_channels = conv_0.size(1);  // [in/4, in, 1, 1]
    block.middle_channels = conv_0.size(0);
    block.out_channels = conv_3.size(0);  // [out, in/4, 1, 1]
    config.blocks.push_back(block);
  }
  if (config.blocks.empty()) {
    return InvalidArgumentError(dict.source + ": no generator blocks (generator.layers.0.*)");
  }
  if (!up_sample.empty() && up_sample.size() != config.blocks.size()) {
    return InvalidArgumentError(dict.source + ": " + std::to_string(up_sample.size()) +
                                " up-sampling flags given for " +
                                std::to_string(config.blocks.size()) + " generator blocks");
  }
  config.output_resolution = 4;
  for (size_t k = 0; k < config.blocks.size(); ++k) {
    // BigGAN-deep: two blocks per resolution, the second of each pair up-samples.
    config.blocks[k].up_sample = up_sample.empty() ? (k % 2 == 1) : up_sample[k];
    if (config.blocks[k].up_sample) config.output_resolution *= 2;
  }
  Status valid = config.Validate();
  if (!valid.ok()) return valid.WithContext(dict.source);
  return config;
}

StatusOr<StandingStatsChoice> ChooseStandingStats(double truncation, int64_t n_stats) {
  if (!(truncation > 0.0 && truncation <= 1.0)) {
    return InvalidArgumentError("biggan: truncation must be in (0, 1], got " +
                                std::to_string(truncation));
  }
  if (n_stats < 2) {
    return InvalidArgumentError("biggan: n_stats must be at least 2, got " +
                                std::to_string(n_stats));
  }
  // Python: step_size = 1.0 / (n_stats - 1); coef, start_idx = math.modf(truncation / step_size)
  const double step_size = 1.0 / static_cast<double>(n_stats - 1);
  double whole = 0.0;
  StandingStatsChoice choice;
  choice.coef = std::modf(truncation / step_size, &whole);
  choice.row = static_cast<int64_t>(whole);
  if (choice.row >= n_stats || (choice.interpolate() && choice.row + 1 >= n_stats)) {
    return InvalidArgumentError("biggan: truncation " + std::to_string(truncation) +
                                " selects standing-statistics rows past " +
                                std::to_string(n_stats));
  }
  return choice;
}

StatusOr<BigGanLatent> MapClipGlassGenome(const at::Tensor& genome, int64_t z_dim,
                                          int64_t num_classes) {
  if (!genome.defined() || genome.dim() != 2 || genome.size(1) != z_dim + num_classes ||
      !at::isFloatingType(genome.scalar_type())) {
    return InvalidArgumentError("biggan: genome must be a floating [B, " +
                                std::to_string(z_dim + num_classes) + "] tensor, got " +
                                (genome.defined() ? Shape(genome) : std::string("none")));
  }
  try {
    const at::Tensor genes = genome.to(at::kFloat);  // [B, z_dim + num_classes]
    BigGanLatent latent;
    latent.z = genes.narrow(1, 0, z_dim).clamp(-2.0, 2.0);                 // [B, z_dim]
    latent.class_vector = genes.narrow(1, z_dim, num_classes).softmax(1);  // [B, classes]
    return latent;
  } catch (const c10::Error& e) {
    return InternalError("biggan: genome mapping: " + ErrorText(e));
  }
}

BigGanModel::BigGanModel(BigGanConfig config, BigGanOptions options,
                         std::shared_ptr<biggan::BigGanImpl> net)
    : config_(std::move(config)), options_(std::move(options)), net_(std::move(net)) {}

BigGanModel::~BigGanModel() = default;

StatusOr<std::unique_ptr<BigGanModel>> BigGanModel::Load(const std::string& path,
                                                         const BigGanOptions& options) {
  weights::LoadOptions load;
  load.float_dtype = at::kFloat;  // fold spectral norm in float32, then convert
  CG_ASSIGN_OR_RETURN(const weights::StateDict dict, weights::LoadStateDict(path, load));
  return FromStateDict(dict, options);
}

StatusOr<std::unique_ptr<BigGanModel>> BigGanModel::FromStateDict(const weights::StateDict& dict,
                                                                  const BigGanOptions& options) {
  CG_ASSIGN_OR_RETURN(BigGanConfig config, DetectBigGanConfig(dict, options.up_sample));
  try {
    c10::AutoGradMode no_grad(false);
    auto net = std::make_shared<biggan::BigGanImpl>(config);
    weights::StateDict float_dict = dict;
    for (auto& [key, tensor] : float_dict.tensors) {
      if (at::isFloatingType(tensor.scalar_type())) tensor = tensor.to(at::kFloat);
    }
    CG_RETURN_IF_ERROR(weights::LoadIntoModule(*net, float_dict).WithContext("biggan"));
    net->FoldSpectralNorm();
    net->to(options.device, options.dtype);
    net->eval();
    return std::unique_ptr<BigGanModel>(
        new BigGanModel(std::move(config), options, std::move(net)));
  } catch (const c10::Error& e) {
    return InternalError("biggan: loading " + dict.source + ": " + ErrorText(e));
  }
}

StatusOr<std::unique_ptr<BigGanModel>> BigGanModel::RandomForBenchmark(const BigGanConfig& config,
                                                                       const BigGanOptions& options,
                                                                       uint64_t seed) {
  CG_RETURN_IF_ERROR(config.Validate());
  try {
    c10::AutoGradMode no_grad(false);
    auto net = std::make_shared<biggan::BigGanImpl>(config);
    at::manual_seed(seed);
    for (auto& item : net->named_parameters()) {
      at::Tensor p = item.value();
      const std::string& name = item.key();
      if (name.ends_with("weight_orig") || name == "embeddings.weight") {
        const double bound = 1.0 / std::sqrt(static_cast<double>(p[0].numel()));
        p.uniform_(-bound, bound);
      } else if (name.ends_with("gamma")) {
        p.fill_(0.5);
      }
    }
    // u, v: a few power iterations, so sigma is close to the largest singular value (as in
    // trained checkpoints) and activations keep a sensible scale through the blocks.
    for (const auto& module : net->modules(false)) {
      at::Tensor w, u, v;
      if (auto l = std::dynamic_pointer_cast<biggan::SnLinearImpl>(module)) {
        w = l->weight_orig, u = l->weight_u, v = l->weight_v;
      } else if (auto c = std::dynamic_pointer_cast<biggan::SnConv2dImpl>(module)) {
        w = c->weight_orig, u = c->weight_u, v = c->weight_v;
      } else {
        continue;
      }
      const at::Tensor matrix = w.reshape({w.size(0), -1});
      at::Tensor uu = at::randn({matrix.size(0)});
      at::Tensor vv;
      for (int i = 0; i < 3; ++i) {
        vv = at::mv(matrix.t(), uu);
        vv = vv / vv.norm();
        uu = at::mv(matrix, vv);
        uu = uu / uu.norm();
      }
      u.copy_(uu);
      v.copy_(vv);
    }
    net->FoldSpectralNorm();
    net->to(options.device, options.dtype);
    net->eval();
    return std::unique_ptr<BigGanModel>(new BigGanModel(config, options, std::move(net)));
  } catch (const c10::Error& e) {
    return InternalError("biggan: random weights: " + ErrorText(e));
  }
}

StatusOr<at::Tensor> BigGanModel::GenerateChunk(const at::Tensor& z, const at::Tensor& class_vector,
                                                const StandingStatsChoice& stats,
                                                at::Tensor* first) const {
  biggan::ForwardFlags flags;
  flags.channels_last = options_.channels_last;
  flags.fused_up_conv = options_.fused_up_conv;
  return net_->forward(z, class_vector, stats, flags, first);
}

StatusOr<at::Tensor> BigGanModel::Generate(const at::Tensor& z, const at::Tensor& class_vector,
                                           double truncation, BigGanTrace* trace) const {
  if (!z.defined() || z.dim() != 2 || z.size(1) != config_.z_dim ||
      !at::isFloatingType(z.scalar_type())) {
    return InvalidArgumentError("biggan: z must be a floating [B, " +
                                std::to_string(config_.z_dim) + "] tensor, got " +
                                (z.defined() ? Shape(z) : std::string("none")));
  }
  if (!class_vector.defined() || class_vector.dim() != 2 || class_vector.size(0) != z.size(0) ||
      class_vector.size(1) != config_.num_classes ||
      !at::isFloatingType(class_vector.scalar_type())) {
    return InvalidArgumentError("biggan: class vector must be a floating [" +
                                std::to_string(z.size(0)) + ", " +
                                std::to_string(config_.num_classes) + "] tensor, got " +
                                (class_vector.defined() ? Shape(class_vector) : "none"));
  }
  CG_ASSIGN_OR_RETURN(const StandingStatsChoice stats,
                      ChooseStandingStats(truncation, config_.n_stats));
  try {
    c10::InferenceMode guard;
    const at::TensorOptions to = at::TensorOptions().device(options_.device).dtype(options_.dtype);
    const at::Tensor zs = z.to(to);                  // [B, z_dim]
    const at::Tensor classes = class_vector.to(to);  // [B, num_classes]
    const int64_t batch = zs.size(0);
    const int64_t chunk =
        options_.batch_size > 0 ? options_.batch_size : std::max<int64_t>(batch, 1);
    std::vector<at::Tensor> images;
    std::vector<at::Tensor> firsts;
    for (int64_t start = 0; start < batch; start += chunk) {
      const int64_t rows = std::min(chunk, batch - start);
      at::Tensor zc = zs.narrow(0, start, rows);       // [rows, z_dim]
      at::Tensor cc = classes.narrow(0, start, rows);  // [rows, num_classes]
      if (rows < chunk) {                              // zero-pad to the fixed shape
        zc = at::cat({zc, at::zeros({chunk - rows, config_.z_dim}, to)});
        cc = at::cat({cc, at::zeros({chunk - rows, config_.num_classes}, to)});
      }
      at::Tensor first;
      CG_ASSIGN_OR_RETURN(at::Tensor image,
                          GenerateChunk(zc, cc, stats, trace != nullptr ? &first : nullptr));
      images.push_back(image.narrow(0, 0, rows));
      if (trace != nullptr) firsts.push_back(first.narrow(0, 0, rows).contiguous());
    }
    if (trace != nullptr) {
      trace->first_block_input = firsts.empty() ? at::Tensor() : at::cat(firsts, 0);
    }
    if (images.empty()) {
      return at::empty({0, 3, config_.output_resolution, config_.output_resolution}, to);
    }
    return images.size() == 1 ? images[0].contiguous() : at::cat(images, 0);
  } catch (const c10::Error& e) {
    return InternalError("biggan: generate: " + ErrorText(e));
  }
}

StatusOr<at::Tensor> BigGanModel::GenerateFromGenome(const at::Tensor& genome,
                                                     double truncation) const {
  CG_ASSIGN_OR_RETURN(const BigGanLatent latent,
                      MapClipGlassGenome(genome, config_.z_dim, config_.num_classes));
  return Generate(latent.z, latent.class_vector, truncation);
}

}  // namespace clipglass::models
