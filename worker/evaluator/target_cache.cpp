#include "worker/evaluator/target_cache.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "common/png_codec.h"

namespace clipglass::worker {
namespace {

std::string CacheKey(const v1::Target& target, const ModelSet& models) {
  std::string id = target.id();
  if (id.empty()) {
    // No id from the coordinator: the content itself identifies the target.
    id = target.has_image_png() ? "png:" + target.image_png() : "caption:" + target.caption();
  }
  return models.clip_id + "\n" + id;
}

StatusOr<at::Tensor> EmbedCaption(const std::string& caption, const std::string& what,
                                  const ModelSet& models) {
  const int context = static_cast<int>(models.clip->config().context_length);
  const std::vector<std::string> texts = {caption};
  CG_ASSIGN_OR_RETURN(
      tokenizers::ClipTokenBatch batch,
      models.clip_tokenizer->Tokenize(texts, context, tokenizers::ClipOverflow::kTruncate));
  if (batch.truncated[0]) {
    spdlog::warn("{}: the caption needs more than CLIP's {} tokens; only its start is used", what,
                 context);
  }
  const at::Tensor tokens =
      at::tensor(batch.ids, at::kLong).view({1, batch.context_length});  // [1, C]
  return models.clip->EncodeText(tokens);                                // [1, E]
}

StatusOr<at::Tensor> EmbedImage(const std::string& png, const std::string& what,
                                const ModelSet& models) {
  CG_ASSIGN_OR_RETURN(RgbImage image, DecodePng(png, what));
  return models::EncodeRgbImage(*models.clip, image);  // [1, E]
}

}  // namespace

StatusOr<at::Tensor> TargetCache::Get(const v1::Target& target, const ModelSet& models,
                                      bool* permanent) {
  const std::string key = CacheKey(target, models);
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    ++hits_;
    return it->second;
  }
  const std::string what = "model " + models.key + ": target '" + target.id() + "'";
  StatusOr<at::Tensor> features = InvalidArgumentError(what + ": neither a caption nor an image");
  if (target.has_image_png()) {
    features = EmbedImage(target.image_png(), what, models);
  } else if (target.has_caption()) {
    if (target.caption().find_first_not_of(" \t\r\n") == std::string::npos) {
      features = InvalidArgumentError(what + ": the caption is empty");
    } else {
      features = EmbedCaption(target.caption(), what, models);
    }
  }
  if (!features.ok()) {
    // Bad input stays bad on every worker; a LibTorch failure (Internal) may not.
    *permanent = features.status().code() != StatusCode::kInternal;
    return features.status().message().rfind(what, 0) == 0 ? features.status()
                                                           : features.status().WithContext(what);
  }
  ++computed_;
  cache_.emplace(key, *features);
  return *features;
}

}  // namespace clipglass::worker
