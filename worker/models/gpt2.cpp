// The GPT-2 runner: weights, config detection, device placement, inference mode, validation and
// the decoding loop around the pure math of gpt2_modules.cpp.
// Ref: graykode/gpt-2-Pytorch gpt2/model.py, gpt2/sample.py, gpt2/utils.py (clip-glass copy).
#include "worker/models/gpt2.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include <charconv>
#include <sstream>
#include <utility>

#include "worker/models/gpt2_modules.h"

namespace clipglass::models {
namespace {

std::string ShapeString(const at::Tensor& tensor) {
  std::ostringstream out;
  out << tensor.sizes();
  return out.str();
}

// Ids must be a [B, T] integer tensor with every id in [0, vocab); returned as int64 on CPU.
StatusOr<at::Tensor> CheckIds(const at::Tensor& ids, const Gpt2Config& config, const char* what) {
  if (!ids.defined() || ids.dim() != 2 || ids.size(0) == 0 || ids.size(1) == 0) {
    return InvalidArgumentError(std::string("gpt2: ") + what +
                                " must be a non-empty [B, T] tensor" +
                                (ids.defined() ? ", got " + ShapeString(ids) : ""));
  }
  if (at::isFloatingType(ids.scalar_type()) || ids.scalar_type() == at::kBool) {
    return InvalidArgumentError(std::string("gpt2: ") + what + " must hold integer token ids");
  }
  at::Tensor cpu = ids.to(at::kCPU, at::kLong).contiguous();
  const int64_t low = cpu.min().item<int64_t>();
  const int64_t high = cpu.max().item<int64_t>();
  if (low < 0 || high >= config.vocab_size) {
    return InvalidArgumentError(std::string("gpt2: ") + what + " holds id " +
                                std::to_string(low < 0 ? low : high) + " outside [0, " +
                                std::to_string(config.vocab_size) + ")");
  }
  return cpu;
}

std::string TorchMessage(const c10::Error& error) { return error.what_without_backtrace(); }

}  // namespace

Status Gpt2Config::Validate() const {
  if (vocab_size <= 0 || n_positions <= 0 || n_embd <= 0 || n_inner <= 0 || n_layer <= 0 ||
      n_head <= 0) {
    return InvalidArgumentError("gpt2: every size must be positive");
  }
  if (n_embd % n_head != 0) {
    return InvalidArgumentError("gpt2: width " + std::to_string(n_embd) +
                                " is not divisible by the head count " + std::to_string(n_head));
  }
  return Status::Ok();
}

namespace {
Gpt2Config Released(int64_t layers, int64_t width) {
  Gpt2Config config;
  config.n_layer = layers;
  config.n_embd = width;
  config.n_inner = 4 * width;
  config.n_head = width / 64;
  return config;
}
}  // namespace

Gpt2Config Gpt2Config::Small() { return Released(12, 768); }
Gpt2Config Gpt2Config::Medium() { return Released(24, 1024); }
Gpt2Config Gpt2Config::Large() { return Released(36, 1280); }
Gpt2Config Gpt2Config::Xl() { return Released(48, 1600); }

weights::StateDict CanonicalGpt2Dict(const weights::StateDict& dict) {
  if (!dict.Has("wte.weight") && dict.Has("transformer.wte.weight")) {
    return dict.WithPrefixRemoved("transformer.");
  }
  return dict;
}

StatusOr<Gpt2Config> DetectGpt2Config(const weights::StateDict& dict, int64_t n_head) {
  Gpt2Config config;
  CG_ASSIGN_OR_RETURN(const at::Tensor wte, dict.Get("wte.weight"));
  CG_ASSIGN_OR_RETURN(const at::Tensor wpe, dict.Get("wpe.weight"));
  CG_ASSIGN_OR_RETURN(const at::Tensor c_fc, dict.Get("h.0.mlp.c_fc.weight"));
  if (wte.dim() != 2 || wpe.dim() != 2 || c_fc.dim() != 2 || wpe.size(1) != wte.size(1) ||
      c_fc.size(0) != wte.size(1)) {
    return InvalidArgumentError(dict.source + ": gpt2: inconsistent shapes: wte.weight " +
                                ShapeString(wte) + ", wpe.weight " + ShapeString(wpe) +
                                ", h.0.mlp.c_fc.weight " + ShapeString(c_fc));
  }
  config.vocab_size = wte.size(0);  // wte: [V, C]
  config.n_embd = wte.size(1);
  config.n_positions = wpe.size(0);  // wpe: [P, C]
  config.n_inner = c_fc.size(1);     // c_fc: [C, n_inner]
  config.n_layer = dict.CountIndexed("h.");

  if (n_head > 0) {
    config.n_head = n_head;
  } else if (auto it = dict.metadata.find("n_head"); it != dict.metadata.end()) {
    const std::string& text = it->second;
    int64_t parsed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error != std::errc() || end != text.data() + text.size() || parsed <= 0) {
      return InvalidArgumentError(dict.source + ": gpt2: metadata n_head '" + text +
                                  "' is not a positive integer");
    }
    config.n_head = parsed;
  } else if (config.n_embd % 64 == 0) {
    config.n_head = config.n_embd / 64;  // head_dim 64 in every released GPT-2
  } else {
    return InvalidArgumentError(dict.source + ": gpt2: width " + std::to_string(config.n_embd) +
                                " is not a multiple of 64; give the head count explicitly");
  }
  Status valid = config.Validate();
  if (!valid.ok()) return valid.WithContext(dict.source);

  // Every block must have the detected sizes (LoadIntoModule checks the remaining tensors).
  for (int64_t i = 0; i < config.n_layer; ++i) {
    const std::string key = "h." + std::to_string(i) + ".attn.c_attn.weight";
    CG_ASSIGN_OR_RETURN(const at::Tensor c_attn, dict.Get(key));
    if (c_attn.dim() != 2 || c_attn.size(0) != config.n_embd ||
        c_attn.size(1) != 3 * config.n_embd) {
      return InvalidArgumentError(
          dict.source + ": gpt2: " + key + " has shape " + ShapeString(c_attn) + ", expected [" +
          std::to_string(config.n_embd) + ", " + std::to_string(3 * config.n_embd) + "]");
    }
  }
  return config;
}

const std::vector<std::string>& Gpt2IgnoredKeys() {
  static const std::vector<std::string> kIgnored = {
      R"(h\.[0-9]+\.attn\.bias)",         // tril(ones(n_ctx, n_ctx)), [1, 1, n_ctx, n_ctx]
      R"(h\.[0-9]+\.attn\.masked_bias)",  // HF's constant -1e4 scalar
  };
  return kIgnored;
}

struct Gpt2::Impl {
  Gpt2Config config;
  c10::Device device = c10::Device(c10::kCPU);
  gpt2::Transformer module{nullptr};

  // Greedy: argmax of the raw logits, which is what the original's
  // topk(softmax(top_k_logits(logits / temperature, k)), 1) picks. Sampling: the original's
  // temperature, top-k filter (-1e10 below the k-th value) and multinomial draw, on CPU so the
  // seeded generator gives the same draws on any device.
  at::Tensor NextTokens(const at::Tensor& logits, const Gpt2GenerateOptions& options,
                        at::Generator& generator) const {  // logits: [B, V] -> [B, 1]
    if (!options.sample) return logits.argmax(-1, /*keepdim=*/true);
    at::Tensor scaled = logits.to(at::kCPU) / options.temperature;  // [B, V]
    if (options.top_k > 0 && options.top_k < scaled.size(-1)) {
      const at::Tensor kth = std::get<0>(scaled.topk(options.top_k, -1)).narrow(-1, -1, 1);
      scaled = scaled.masked_fill(scaled < kth, -1e10);
    }
    const at::Tensor probs = at::softmax(scaled, -1);  // [B, V]
    return at::multinomial(probs, 1, /*replacement=*/false, generator).to(device);
  }
};

Gpt2::Gpt2(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gpt2::~Gpt2() = default;

const Gpt2Config& Gpt2::config() const { return impl_->config; }
c10::Device Gpt2::device() const { return impl_->device; }

StatusOr<std::unique_ptr<Gpt2>> Gpt2::Load(const std::string& path, const Gpt2Options& options) {
  CG_ASSIGN_OR_RETURN(const weights::StateDict dict, weights::LoadStateDict(path));
  return FromStateDict(dict, options);
}

StatusOr<std::unique_ptr<Gpt2>> Gpt2::FromStateDict(const weights::StateDict& dict,
                                                    const Gpt2Options& options) {
  const weights::StateDict canonical = CanonicalGpt2Dict(dict);
  CG_ASSIGN_OR_RETURN(const Gpt2Config config, DetectGpt2Config(canonical, options.n_head));
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->device = options.device;
  try {
    impl->module = gpt2::Transformer(config);
    CG_RETURN_IF_ERROR(weights::LoadIntoModule(*impl->module, canonical, Gpt2IgnoredKeys()));
    impl->module->eval();
    impl->module->to(options.device);
  } catch (const c10::Error& error) {
    return InternalError(dict.source + ": gpt2: loading: " + TorchMessage(error));
  }
  return std::unique_ptr<Gpt2>(new Gpt2(std::move(impl)));
}

StatusOr<std::unique_ptr<Gpt2>> Gpt2::WithRandomWeights(const Gpt2Config& config, uint64_t seed,
                                                        const Gpt2Options& options) {
  CG_RETURN_IF_ERROR(config.Validate());
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->device = options.device;
  try {
    impl->module = gpt2::Transformer(config);
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    at::NoGradGuard no_grad;
    for (const auto& item : impl->module->named_parameters()) {
      at::Tensor param = item.value();
      const bool layer_norm = item.key().find("ln_") != std::string::npos;
      if (param.dim() >= 2) {
        param.normal_(0.0, 0.02, generator);
      } else if (layer_norm && item.key().ends_with(".weight")) {
        param.fill_(1.0);
      } else {
        param.zero_();
      }
    }
    impl->module->eval();
    impl->module->to(options.device);
  } catch (const c10::Error& error) {
    return InternalError("gpt2: random weights: " + TorchMessage(error));
  }
  return std::unique_ptr<Gpt2>(new Gpt2(std::move(impl)));
}

StatusOr<Gpt2Output> Gpt2::Forward(const at::Tensor& input_ids) const {
  const Gpt2Config& config = impl_->config;
  CG_ASSIGN_OR_RETURN(const at::Tensor ids, CheckIds(input_ids, config, "input_ids"));
  const int64_t batch = ids.size(0);
  const int64_t steps = ids.size(1);
  if (steps > config.n_positions) {
    return InvalidArgumentError("gpt2: " + std::to_string(steps) + " tokens exceed the " +
                                std::to_string(config.n_positions) + " positions");
  }
  try {
    c10::InferenceMode inference;
    const at::Tensor device_ids = ids.to(impl_->device);
    gpt2::KvCache cache = gpt2::KvCache::Allocate(
        config, batch, steps, at::TensorOptions().dtype(at::kFloat).device(impl_->device));
    const at::Tensor hidden = impl_->module->forward(device_ids, cache);  // [B, T, C]
    Gpt2Output output;
    output.logits_last = impl_->module->Logits(hidden.select(1, steps - 1)).to(at::kCPU);
    output.hidden_states = hidden.to(at::kCPU);
    for (const at::Tensor& present : cache.Presents()) {
      output.presents.push_back(present.to(at::kCPU));
    }
    return output;
  } catch (const c10::Error& error) {
    return InternalError("gpt2: forward: " + TorchMessage(error));
  }
}

StatusOr<at::Tensor> Gpt2::Logits(const at::Tensor& hidden) const {
  if (!hidden.defined() || hidden.dim() < 1 || hidden.size(-1) != impl_->config.n_embd) {
    return InvalidArgumentError("gpt2: logits need [..., " + std::to_string(impl_->config.n_embd) +
                                "] hidden states" +
                                (hidden.defined() ? ", got " + ShapeString(hidden) : ""));
  }
  try {
    c10::InferenceMode inference;
    return impl_->module->Logits(hidden.to(impl_->device, at::kFloat)).to(at::kCPU);
  } catch (const c10::Error& error) {
    return InternalError("gpt2: logits: " + TorchMessage(error));
  }
}

StatusOr<at::Tensor> Gpt2::Generate(const at::Tensor& context_ids,
                                    const Gpt2GenerateOptions& options) const {
  const Gpt2Config& config = impl_->config;
  CG_ASSIGN_OR_RETURN(const at::Tensor ids, CheckIds(context_ids, config, "context_ids"));
  const int64_t batch = ids.size(0);
  const int64_t context = ids.size(1);
  const int64_t total = context + options.new_tokens;
  if (options.new_tokens < 0) return InvalidArgumentError("gpt2: new_tokens must be >= 0");
  if (total > config.n_positions) {
    return InvalidArgumentError("gpt2: " + std::to_string(context) + " context + " +
                                std::to_string(options.new_tokens) + " new tokens exceed the " +
                                std::to_string(config.n_positions) + " positions");
  }
  if (options.sample && !(options.temperature > 0.0)) {
    return InvalidArgumentError("gpt2: sampling needs a positive temperature");
  }
  try {
    c10::InferenceMode inference;
    const at::TensorOptions float_options =
        at::TensorOptions().dtype(at::kFloat).device(impl_->device);
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
    at::Tensor output = at::empty({batch, total}, ids.options().device(impl_->device));
    output.narrow(1, 0, context).copy_(ids);
    gpt2::TransformerImpl& model = *impl_->module;

    gpt2::KvCache cache;
    if (options.use_cache) cache = gpt2::KvCache::Allocate(config, batch, total, float_options);
    for (int64_t step = 0; step < options.new_tokens; ++step) {
      const int64_t length = context + step;
      at::Tensor hidden;
      if (options.use_cache) {
        // Step 0 reads the whole context, later steps only the previous token.
        const at::Tensor feed =
            step == 0 ? output.narrow(1, 0, context) : output.narrow(1, length - 1, 1);  // [B, T']
        hidden = model.Body(feed, cache);  // [B, T', C]
      } else {
        gpt2::KvCache fresh = gpt2::KvCache::Allocate(config, batch, length, float_options);
        hidden = model.Body(output.narrow(1, 0, length), fresh);  // [B, length, C]
      }
      const at::Tensor last = model.ln_f(hidden.select(1, hidden.size(1) - 1));  // [B, C]
      const at::Tensor logits = model.Logits(last);                              // [B, V]
      output.narrow(1, length, 1).copy_(impl_->NextTokens(logits, options, generator));
    }
    return output.to(at::kCPU);
  } catch (const c10::Error& error) {
    return InternalError("gpt2: generate: " + TorchMessage(error));
  }
}

}  // namespace clipglass::models
