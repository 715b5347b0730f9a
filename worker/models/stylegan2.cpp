#include "worker/models/stylegan2.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <utility>

#include "worker/models/stylegan2_discriminator.h"
#include "worker/models/stylegan2_generator.h"
#include "worker/weights/state_dict.h"

namespace clipglass::models {
namespace {

// Runs `fn` under inference mode; a c10::Error becomes a Status naming the model and the step.
template <typename Fn>
StatusOr<at::Tensor> Guarded(const char* what, Fn&& fn) {
  try {
    c10::InferenceMode guard;
    return fn();
  } catch (const c10::Error& e) {
    return InternalError(fmt::format("stylegan2 {}: {}", what, e.what_without_backtrace()));
  }
}

std::string Shape(const at::Tensor& t) {
  std::string out = "[";
  for (int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
  return out + "]";
}

Status CheckFloat(const at::Tensor& t, const char* name) {
  if (!t.defined()) return InvalidArgumentError(fmt::format("stylegan2: {} is undefined", name));
  if (!at::isFloatingType(t.scalar_type())) {
    return InvalidArgumentError(fmt::format("stylegan2: {} must be a floating-point tensor", name));
  }
  return Status::Ok();
}

// A dict holding the network under `prefix` (a whole-pickle conversion's "G_ema." or "D.") is
// reduced to that network; otherwise the dict is used as it is.
weights::StateDict Unprefixed(const weights::StateDict& dict, const std::string& prefix,
                              const std::string& probe) {
  if (!dict.Has(probe) && dict.Has(prefix + probe)) return dict.WithPrefixRemoved(prefix);
  return dict;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Generator

Stylegan2Generator::Stylegan2Generator(std::shared_ptr<stylegan2::GeneratorImpl> module,
                                       const Stylegan2RuntimeOptions& runtime)
    : module_(std::move(module)), runtime_(runtime) {}

Stylegan2Generator::~Stylegan2Generator() = default;

StatusOr<std::unique_ptr<Stylegan2Generator>> Stylegan2Generator::FromStateDict(
    const weights::StateDict& input, const Stylegan2RuntimeOptions& runtime,
    const Stylegan2GeneratorSettings& settings) {
  const weights::StateDict dict = Unprefixed(input, "G_ema.", "mapping.fc0.weight");
  if (!IsStylegan2Generator(dict)) {
    return InvalidArgumentError(dict.source +
                                ": not a StyleGAN2 generator (no mapping.fc0.weight and "
                                "synthesis.b4.const)");
  }
  CG_ASSIGN_OR_RETURN(Stylegan2GeneratorConfig config, DetectStylegan2GeneratorConfig(dict));
  config.conv_clamp = settings.conv_clamp;
  config.mapping_lr_multiplier = settings.mapping_lr_multiplier;
  config.content_height = settings.content_height;
  config.content_width = settings.content_width;
  if (config.content_height < 0 || config.content_height > config.img_resolution ||
      config.content_width < 0 || config.content_width > config.img_resolution) {
    return InvalidArgumentError(fmt::format("{}: content size {}x{} does not fit the {}px canvas",
                                            dict.source, config.content_width,
                                            config.content_height, config.img_resolution));
  }
  try {
    auto module = std::make_shared<stylegan2::GeneratorImpl>(config);
    CG_RETURN_IF_ERROR(weights::LoadIntoModule(*module, dict));
    module->eval();
    module->to(runtime.device);
    return std::unique_ptr<Stylegan2Generator>(new Stylegan2Generator(std::move(module), runtime));
  } catch (const c10::Error& e) {
    return InternalError(
        fmt::format("stylegan2 G from {}: {}", dict.source, e.what_without_backtrace()));
  }
}

StatusOr<std::unique_ptr<Stylegan2Generator>> Stylegan2Generator::Load(
    const std::string& path, const Stylegan2RuntimeOptions& runtime,
    const Stylegan2GeneratorSettings& settings) {
  CG_ASSIGN_OR_RETURN(weights::StateDict dict, weights::LoadStateDict(path));
  return FromStateDict(dict, runtime, settings);
}

std::unique_ptr<Stylegan2Generator> Stylegan2Generator::WithRandomWeights(
    const Stylegan2GeneratorConfig& config, const Stylegan2RuntimeOptions& runtime, uint64_t seed) {
  at::manual_seed(seed);
  auto module = std::make_shared<stylegan2::GeneratorImpl>(config);
  module->eval();
  module->to(runtime.device);
  return std::unique_ptr<Stylegan2Generator>(new Stylegan2Generator(std::move(module), runtime));
}

const Stylegan2GeneratorConfig& Stylegan2Generator::config() const { return module_->config(); }

stylegan2::GeneratorImpl& Stylegan2Generator::module() const { return *module_; }

at::Tensor Stylegan2Generator::w_avg() const { return module_->mapping->w_avg; }

StatusOr<at::Tensor> Stylegan2Generator::MapZ(const at::Tensor& z, double psi,
                                              std::optional<int64_t> cutoff) const {
  CG_RETURN_IF_ERROR(CheckFloat(z, "z"));
  if (z.dim() != 2 || z.size(1) != config().z_dim) {
    return InvalidArgumentError(
        fmt::format("stylegan2 G: z should be [B, {}], got {}", config().z_dim, Shape(z)));
  }
  if (psi != 1.0 && !config().has_w_avg) {
    return FailedPreconditionError("stylegan2 G: truncation needs mapping.w_avg");
  }
  return Guarded("mapping", [&] {
    auto& mapping = *module_->mapping;
    const at::Tensor w = mapping.forward(z.to(runtime_.device));  // w: [B, w_dim]
    return mapping.Truncate(mapping.Broadcast(w), psi, cutoff);   // [B, num_ws, w_dim]
  });
}

StatusOr<at::Tensor> Stylegan2Generator::BroadcastW(const at::Tensor& w) const {
  CG_RETURN_IF_ERROR(CheckFloat(w, "w"));
  if (w.dim() != 2 || w.size(1) != config().w_dim) {
    return InvalidArgumentError(
        fmt::format("stylegan2 G: w should be [B, {}], got {}", config().w_dim, Shape(w)));
  }
  return Guarded("broadcast",
                 [&] { return module_->mapping->Broadcast(w.to(runtime_.device, at::kFloat)); });
}

StatusOr<at::Tensor> Stylegan2Generator::Truncate(const at::Tensor& ws, double psi,
                                                  std::optional<int64_t> cutoff) const {
  CG_RETURN_IF_ERROR(CheckFloat(ws, "ws"));
  if (ws.dim() != 3 || ws.size(1) != config().num_ws || ws.size(2) != config().w_dim) {
    return InvalidArgumentError(fmt::format("stylegan2 G: ws should be [B, {}, {}], got {}",
                                            config().num_ws, config().w_dim, Shape(ws)));
  }
  if (psi != 1.0 && !config().has_w_avg) {
    return FailedPreconditionError("stylegan2 G: truncation needs mapping.w_avg");
  }
  return Guarded("truncation", [&] {
    return module_->mapping->Truncate(ws.to(runtime_.device, at::kFloat), psi, cutoff);
  });
}

at::Tensor Stylegan2Generator::SynthesizeChunk(const at::Tensor& ws, const Stylegan2Noise& noise,
                                               int64_t first_sample) const {
  auto& synthesis = *module_->synthesis;
  std::vector<at::Tensor> random_noise;
  if (noise.mode == NoiseMode::kRandom) {
    const int64_t batch = ws.size(0);
    std::vector<at::Generator> generators;
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t index = first_sample + b;
      const uint64_t seed = noise.sample_seeds.empty()
                                ? noise.seed + static_cast<uint64_t>(index)
                                : noise.sample_seeds[static_cast<size_t>(index)];
      generators.push_back(at::make_generator<at::CPUGeneratorImpl>(seed));
    }
    for (const int64_t res : synthesis.NoiseResolutions()) {
      std::vector<at::Tensor> per_sample;
      for (auto& generator : generators) {
        per_sample.push_back(at::randn({1, 1, res, res}, generator, at::kFloat));
      }
      random_noise.push_back(at::cat(per_sample).to(runtime_.device));  // [B, 1, res, res]
    }
  }
  stylegan2::SynthesisArgs args;
  args.dtype = runtime_.dtype;
  args.noise_mode = noise.mode;
  args.random_noise = &random_noise;
  args.modconv = runtime_.modconv;
  args.memory_format =
      runtime_.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return synthesis.forward(ws, args);  // [B, C, R, R] float32
}

StatusOr<at::Tensor> Stylegan2Generator::Synthesize(const at::Tensor& ws,
                                                    const Stylegan2Noise& noise) const {
  CG_RETURN_IF_ERROR(CheckFloat(ws, "ws"));
  if (ws.dim() != 3 || ws.size(1) != config().num_ws || ws.size(2) != config().w_dim) {
    return InvalidArgumentError(fmt::format("stylegan2 G: ws should be [B, {}, {}], got {}",
                                            config().num_ws, config().w_dim, Shape(ws)));
  }
  if (noise.mode == NoiseMode::kRandom && !noise.sample_seeds.empty() &&
      static_cast<int64_t>(noise.sample_seeds.size()) != ws.size(0)) {
    return InvalidArgumentError(fmt::format("stylegan2 G: {} noise seeds for {} samples",
                                            noise.sample_seeds.size(), ws.size(0)));
  }
  return Guarded("synthesis", [&] {
    const at::Tensor input = ws.to(runtime_.device, at::kFloat);
    const int64_t batch = input.size(0);
    const int64_t chunk = runtime_.max_batch > 0 ? runtime_.max_batch : batch;
    if (batch <= chunk) return SynthesizeChunk(input, noise, 0);
    std::vector<at::Tensor> parts;
    for (int64_t start = 0; start < batch; start += chunk) {
      const int64_t n = std::min(chunk, batch - start);
      parts.push_back(SynthesizeChunk(input.narrow(0, start, n), noise, start));
    }
    return at::cat(parts);
  });
}

StatusOr<at::Tensor> Stylegan2Generator::SynthesizeFromZ(const at::Tensor& z, double psi,
                                                         const Stylegan2Noise& noise,
                                                         std::optional<int64_t> cutoff) const {
  CG_ASSIGN_OR_RETURN(at::Tensor ws, MapZ(z, psi, cutoff));
  return Synthesize(ws, noise);
}

at::Tensor Stylegan2Generator::CropToContent(const at::Tensor& img) const {
  const int64_t h = config().content_height > 0 ? config().content_height : img.size(2);
  const int64_t w = config().content_width > 0 ? config().content_width : img.size(3);
  return img.narrow(2, (img.size(2) - h) / 2, h).narrow(3, (img.size(3) - w) / 2, w);
}

// ---------------------------------------------------------------------------------------------
// Discriminator

Stylegan2Discriminator::Stylegan2Discriminator(std::shared_ptr<stylegan2::DiscriminatorImpl> module,
                                               const Stylegan2RuntimeOptions& runtime)
    : module_(std::move(module)), runtime_(runtime) {}

Stylegan2Discriminator::~Stylegan2Discriminator() = default;

StatusOr<std::unique_ptr<Stylegan2Discriminator>> Stylegan2Discriminator::FromStateDict(
    const weights::StateDict& input, const Stylegan2RuntimeOptions& runtime,
    const Stylegan2DiscriminatorSettings& settings) {
  const weights::StateDict dict = Unprefixed(input, "D.", "b4.out.weight");
  if (!IsStylegan2Discriminator(dict)) {
    return InvalidArgumentError(dict.source +
                                ": not a StyleGAN2 discriminator (no b4.fc.weight and "
                                "b4.out.weight)");
  }
  CG_ASSIGN_OR_RETURN(Stylegan2DiscriminatorConfig config,
                      DetectStylegan2DiscriminatorConfig(dict));
  config.conv_clamp = settings.conv_clamp;
  config.mbstd_group_size = settings.mbstd_group_size;
  try {
    auto module = std::make_shared<stylegan2::DiscriminatorImpl>(config);
    CG_RETURN_IF_ERROR(weights::LoadIntoModule(*module, dict));
    module->eval();
    module->to(runtime.device);
    return std::unique_ptr<Stylegan2Discriminator>(
        new Stylegan2Discriminator(std::move(module), runtime));
  } catch (const c10::Error& e) {
    return InternalError(
        fmt::format("stylegan2 D from {}: {}", dict.source, e.what_without_backtrace()));
  }
}

StatusOr<std::unique_ptr<Stylegan2Discriminator>> Stylegan2Discriminator::Load(
    const std::string& path, const Stylegan2RuntimeOptions& runtime,
    const Stylegan2DiscriminatorSettings& settings) {
  CG_ASSIGN_OR_RETURN(weights::StateDict dict, weights::LoadStateDict(path));
  return FromStateDict(dict, runtime, settings);
}

std::unique_ptr<Stylegan2Discriminator> Stylegan2Discriminator::WithRandomWeights(
    const Stylegan2DiscriminatorConfig& config, const Stylegan2RuntimeOptions& runtime,
    uint64_t seed) {
  at::manual_seed(seed);
  auto module = std::make_shared<stylegan2::DiscriminatorImpl>(config);
  module->eval();
  module->to(runtime.device);
  return std::unique_ptr<Stylegan2Discriminator>(
      new Stylegan2Discriminator(std::move(module), runtime));
}

const Stylegan2DiscriminatorConfig& Stylegan2Discriminator::config() const {
  return module_->config();
}

stylegan2::DiscriminatorImpl& Stylegan2Discriminator::module() const { return *module_; }

StatusOr<at::Tensor> Stylegan2Discriminator::Logits(const at::Tensor& img) const {
  CG_RETURN_IF_ERROR(CheckFloat(img, "img"));
  const auto& c = config();
  if (img.dim() != 4 || img.size(1) != c.img_channels || img.size(2) != c.img_resolution ||
      img.size(3) != c.img_resolution) {
    return InvalidArgumentError(fmt::format("stylegan2 D: img should be [B, {}, {}, {}], got {}",
                                            c.img_channels, c.img_resolution, c.img_resolution,
                                            Shape(img)));
  }
  const int64_t batch = img.size(0);
  const int64_t group = c.mbstd_group_size > 0 ? std::min(c.mbstd_group_size, batch) : batch;
  if (c.mbstd_num_channels > 0 && batch % group != 0) {
    return InvalidArgumentError(fmt::format(
        "stylegan2 D: a batch of {} does not split into minibatch-std groups of {}", batch, group));
  }
  return Guarded("discriminator", [&] {
    return module_->forward(img.to(runtime_.device, at::kFloat), runtime_.dtype,
                            runtime_.channels_last ? at::MemoryFormat::ChannelsLast
                                                   : at::MemoryFormat::Contiguous);  // [B, 1]
  });
}

StatusOr<at::Tensor> Stylegan2Discriminator::GroupedLogits(const at::Tensor& img,
                                                           int64_t group_size) const {
  CG_RETURN_IF_ERROR(CheckFloat(img, "img"));
  if (group_size < 1 || img.dim() != 4 || img.size(0) % group_size != 0) {
    return InvalidArgumentError(fmt::format(
        "stylegan2 D: a batch {} does not split into groups of {}", Shape(img), group_size));
  }
  const int64_t batch = img.size(0);
  const int64_t groups = batch / group_size;
  if (groups == 1) return Logits(img);
  if (group_size == config().mbstd_group_size) {
    // The mbstd layer groups sample i with samples i mod `groups`: interleave the groups so that
    // each strided mbstd group is one of ours, then undo the order.
    const at::Tensor interleaved =
        img.reshape({groups, group_size, img.size(1), img.size(2), img.size(3)})
            .transpose(0, 1)
            .reshape_as(img);                                     // [B, C, R, R]
    CG_ASSIGN_OR_RETURN(at::Tensor logits, Logits(interleaved));  // [B, 1] interleaved
    return logits.reshape({group_size, groups, 1}).transpose(0, 1).reshape({batch, 1});
  }
  std::vector<at::Tensor> parts;
  for (int64_t g = 0; g < groups; ++g) {
    CG_ASSIGN_OR_RETURN(at::Tensor part, Logits(img.narrow(0, g * group_size, group_size)));
    parts.push_back(part);
  }
  return at::cat(parts);
}

StatusOr<at::Tensor> Stylegan2Discriminator::HingeObjective(const at::Tensor& img,
                                                            int64_t group_size, bool clamp) const {
  CG_RETURN_IF_ERROR(CheckFloat(img, "img"));
  const at::Tensor x = clamp ? img.clamp(-1.0, 1.0) : img;
  CG_ASSIGN_OR_RETURN(at::Tensor logits, GroupedLogits(x, group_size));
  return DiscriminatorHinge(logits);
}

at::Tensor DiscriminatorHinge(const at::Tensor& logits) {
  return at::relu(1.0 - logits).reshape({-1});  // [B]
}

}  // namespace clipglass::models
