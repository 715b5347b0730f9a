// img2txt (GPT-2): genome token ids -> greedy captions with the CLIP-GLaSS rules (context text,
// generated tokens, cut at <|endoftext|> and at caption_max_chars) -> CLIP text features ->
// cosine similarity to the target image's features. Captions that need more than CLIP's context
// score 0, as in the original (but only themselves: see CaptionScorerOptions::overflow).
//
// Ref: clip-glass models.py (GPT2.generate, parse_out), generator.py (clip_similarity).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "worker/evaluator/batch_scores.h"
#include "worker/evaluator/model_set.h"
#include "worker/evaluator/spec_settings.h"

namespace clipglass::worker {

struct CaptionBatch {
  const at::Tensor* genomes = nullptr;  // [N, L] int64 CPU (GenomeMatrix)
  // The batch's distinct target features ([1, E] each) and, per individual, its index there.
  const std::vector<at::Tensor>* targets = nullptr;
  std::vector<int64_t> target_of;  // [N]
  std::vector<bool> keep;          // [N]: return this individual's caption
};

// GPT-2 and CLIP run in calls of exactly `micro_batch` rows. InvalidArgument for token ids
// outside GPT-2's vocabulary or a sequence longer than its positions.
StatusOr<BatchScores> EvaluateCaptions(const ModelSet& models, const SpecSettings& settings,
                                       const CaptionBatch& batch, int64_t micro_batch,
                                       StepTracker* tracker);

}  // namespace clipglass::worker
