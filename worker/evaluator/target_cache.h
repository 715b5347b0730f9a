// CLIP embeddings of the targets (a caption for txt2img, an image for img2txt), computed once per
// CLIP model and target id and then reused for every batch that points at them.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"
#include "proto/clipglass.pb.h"
#include "worker/evaluator/model_set.h"

namespace clipglass::worker {

// Thread-compatible.
class TargetCache {
 public:
  // The target's CLIP features [1, E], float32 on the CLIP model's device.
  //  - caption: CLIP tokenizer, cut to CLIP's context like later OpenAI CLIP (truncate=True: the
  //    first context_length ids, EOT last; a warning is logged), then the text encoder.
  //  - image_png: PNG -> [1, 3, H, W] in [0, 1] -> CLIP's own preprocessing (bicubic resize, centre
  //    crop, mean/std: what the original CLIP-GLaSS applies to the target image whatever
  //    clip_normalize says) -> the image encoder.
  // Errors name the target; a target that cannot be used (empty caption, not a PNG) is permanent.
  StatusOr<at::Tensor> Get(const v1::Target& target, const ModelSet& models, bool* permanent);

  // Embeddings computed so far (a second batch with the same targets adds none) and lookups that
  // found one.
  int64_t computed() const { return computed_; }
  int64_t hits() const { return hits_; }
  size_t size() const { return cache_.size(); }

 private:
  std::map<std::string, at::Tensor> cache_;  // clip id + target id -> [1, E]
  int64_t computed_ = 0;
  int64_t hits_ = 0;
};

}  // namespace clipglass::worker
