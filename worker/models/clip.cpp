#include "worker/models/clip.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

#include "worker/models/clip_modules.h"

// Ref: OpenAI CLIP clip/model.py (build_model, CLIP.forward), clip-glass 0887b13.

namespace clipglass::models {

struct ClipModel::Impl {
  ClipConfig config;
  ClipModelOptions options;
  Clip module{nullptr};
  double logit_scale = 0.0;
};

namespace {

Status TorchError(const char* step, const c10::Error& e) {
  return InternalError(std::string("CLIP ") + step + ": " + e.what_without_backtrace());
}

std::string ShapeOf(const at::Tensor& t) {
  if (!t.defined()) return "no tensor";
  std::ostringstream s;
  s << t.sizes() << " " << t.scalar_type();
  return s.str();
}

// Applies `fn` ([B, ...] -> [B, E]) to x in chunks of exactly `b` rows (the last one zero-padded)
// when b > 0, so that each row's result does not depend on how many rows came with it.
template <typename Fn>
at::Tensor InFixedBatches(const at::Tensor& x, int64_t b, Fn fn) {
  const int64_t n = x.size(0);
  if (b <= 0 || n == b) return fn(x);
  std::vector<at::Tensor> outs;
  for (int64_t start = 0; start < n; start += b) {
    const int64_t rows = std::min(b, n - start);
    at::Tensor chunk = x.slice(0, start, start + rows);
    if (rows < b) {
      std::vector<int64_t> pad_shape = chunk.sizes().vec();
      pad_shape[0] = b - rows;
      chunk = at::cat({chunk, at::zeros(pad_shape, chunk.options())});
    }
    outs.push_back(fn(chunk).slice(0, 0, rows));
  }
  return outs.size() == 1 ? outs[0].contiguous() : at::cat(outs);
}

}  // namespace

ClipModel::ClipModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipModel::~ClipModel() = default;

StatusOr<std::unique_ptr<ClipModel>> ClipModel::Load(const std::string& path,
                                                     const ClipModelOptions& options) {
  weights::LoadOptions load;
  load.float_dtype = at::kFloat;
  CG_ASSIGN_OR_RETURN(weights::StateDict dict, weights::LoadStateDict(path, load));
  return FromStateDict(dict, options);
}

StatusOr<std::unique_ptr<ClipModel>> ClipModel::FromStateDict(const weights::StateDict& dict,
                                                              const ClipModelOptions& options) {
  CG_ASSIGN_OR_RETURN(ClipConfig config, DetectClipConfig(dict));
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->options = options;
  try {
    impl->module = Clip(config);
    std::vector<std::string> ignored(std::begin(kClipIgnoredScalars),
                                     std::end(kClipIgnoredScalars));
    ignored.emplace_back(kClipBatchNormCounterPattern);
    CG_RETURN_IF_ERROR(weights::LoadIntoModule(*impl->module, dict, ignored));
    impl->module->to(options.device, options.dtype);
    impl->module->eval();
    impl->logit_scale = impl->module->logit_scale.to(at::kDouble).exp().item<double>();
  } catch (const c10::Error& e) {
    return TorchError(("loading " + dict.source).c_str(), e);
  }
  return std::unique_ptr<ClipModel>(new ClipModel(std::move(impl)));
}

const ClipConfig& ClipModel::config() const { return impl_->config; }
const ClipModelOptions& ClipModel::options() const { return impl_->options; }
double ClipModel::logit_scale() const { return impl_->logit_scale; }

StatusOr<at::Tensor> ClipModel::EncodeImage(const at::Tensor& images) const {
  const int64_t r = impl_->config.image_resolution;
  if (!images.defined() || images.dim() != 4 || images.size(1) != 3 || images.size(2) != r ||
      images.size(3) != r || !at::isFloatingType(images.scalar_type())) {
    return InvalidArgumentError("CLIP EncodeImage: expected float images [N, 3, " +
                                std::to_string(r) + ", " + std::to_string(r) + "], got " +
                                ShapeOf(images));
  }
  try {
    at::NoGradGuard no_grad;
    if (images.size(0) == 0) {
      return at::empty({0, impl_->config.embed_dim}, at::device(impl_->options.device));
    }
    const at::Tensor x = images.to(impl_->options.device, impl_->options.dtype).contiguous();
    at::Tensor features =
        InFixedBatches(x, impl_->options.fixed_batch_size,
                       [&](const at::Tensor& b) { return impl_->module->EncodeImage(b); });
    return features.to(at::kFloat);  // [N, E]
  } catch (const c10::Error& e) {
    return TorchError("EncodeImage", e);
  }
}

StatusOr<at::Tensor> ClipModel::EncodeGeneratedImages(
    const at::Tensor& images, const ClipPreprocessOptions& preprocess) const {
  if (!images.defined()) return InvalidArgumentError("CLIP EncodeGeneratedImages: no tensor");
  at::Tensor on_device;
  try {
    on_device = images.to(impl_->options.device);
  } catch (const c10::Error& e) {
    return TorchError("EncodeGeneratedImages", e);
  }
  CG_ASSIGN_OR_RETURN(at::Tensor x,
                      PreprocessImages(on_device, impl_->config.image_resolution, preprocess));
  return EncodeImage(x);
}

StatusOr<at::Tensor> ClipModel::EncodeText(const at::Tensor& tokens) const {
  const ClipConfig& c = impl_->config;
  if (!tokens.defined() || tokens.dim() != 2 || tokens.size(1) != c.context_length ||
      !at::isIntegralType(tokens.scalar_type(), /*includeBool=*/false)) {
    return InvalidArgumentError("CLIP EncodeText: expected integer tokens [M, " +
                                std::to_string(c.context_length) + "], got " + ShapeOf(tokens));
  }
  try {
    at::NoGradGuard no_grad;
    if (tokens.size(0) == 0) {
      return at::empty({0, c.embed_dim}, at::device(impl_->options.device));
    }
    const at::Tensor ids = tokens.to(impl_->options.device, at::kLong).contiguous();
    {
      const int64_t lo = ids.min().item<int64_t>();
      const int64_t hi = ids.max().item<int64_t>();
      if (lo < 0 || hi >= c.vocab_size) {
        return InvalidArgumentError("CLIP EncodeText: token ids must lie in [0, " +
                                    std::to_string(c.vocab_size) + "), got [" + std::to_string(lo) +
                                    ", " + std::to_string(hi) + "]");
      }
    }
    at::Tensor features =
        InFixedBatches(ids, impl_->options.fixed_batch_size,
                       [&](const at::Tensor& b) { return impl_->module->EncodeText(b); });
    return features.to(at::kFloat);  // [M, E]
  } catch (const c10::Error& e) {
    return TorchError("EncodeText", e);
  }
}

StatusOr<at::Tensor> EncodeRgbImage(const ClipModel& clip, const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<size_t>(image.width * image.height * 3)) {
    return InvalidArgumentError("EncodeRgbImage: the pixels do not fill a " +
                                std::to_string(image.width) + " x " + std::to_string(image.height) +
                                " RGB image");
  }
  // from_blob does not take ownership and the pixels are only read: the copy in .to() is ours.
  const at::Tensor pixels = at::from_blob(const_cast<uint8_t*>(image.rgb.data()),
                                          {1, image.height, image.width, 3}, at::kByte)
                                .permute({0, 3, 1, 2})
                                .to(at::kFloat)
                                .div_(255.0);  // [1, 3, H, W] in [0, 1]
  const ClipPreprocessOptions preprocess{ImageRange::kZeroToOne, ImageResize::kBicubicCenterCrop,
                                         true};
  return clip.EncodeGeneratedImages(pixels, preprocess);  // [1, E]
}

StatusOr<at::Tensor> CosineSimilarity(const at::Tensor& a, const at::Tensor& b) {
  if (!a.defined() || !b.defined() || a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1)) {
    return InvalidArgumentError("CLIP CosineSimilarity: expected [N, D] and [M, D], got " +
                                ShapeOf(a) + " and " + ShapeOf(b));
  }
  try {
    at::NoGradGuard no_grad;
    // [N, 1, D] x [1, M, D] -> [N, M]
    return at::cosine_similarity(a.unsqueeze(1), b.unsqueeze(0), /*dim=*/-1, /*eps=*/1e-8);
  } catch (const c10::Error& e) {
    return TorchError("CosineSimilarity", e);
  }
}

StatusOr<ClipLogits> ComputeClipLogits(const at::Tensor& image_features,
                                       const at::Tensor& text_features, double logit_scale) {
  if (!image_features.defined() || !text_features.defined() || image_features.dim() != 2 ||
      text_features.dim() != 2 || image_features.size(1) != text_features.size(1)) {
    return InvalidArgumentError("CLIP logits: expected [N, D] and [M, D], got " +
                                ShapeOf(image_features) + " and " + ShapeOf(text_features));
  }
  try {
    at::NoGradGuard no_grad;
    // CLIP.forward: x / x.norm(dim=-1, keepdim=True), then scale * img @ txt.T.
    const at::Tensor img = image_features / image_features.norm(2, -1, /*keepdim=*/true);
    const at::Tensor txt = text_features / text_features.norm(2, -1, /*keepdim=*/true);
    ClipLogits logits;
    logits.per_image = at::mm(img, txt.t()).mul_(logit_scale);  // [N, M]
    logits.per_text = logits.per_image.t().contiguous();        // [M, N]
    return logits;
  } catch (const c10::Error& e) {
    return TorchError("logits", e);
  }
}

}  // namespace clipglass::models
