// The image-to-text half of CLIP-GLaSS for the worker: genomes (GPT-2 token ids) -> greedy captions
// -> CLIP text embeddings -> cosine similarity to the target image's embedding, batched.
//
// Ref: galatolofederico/clip-glass models.py (GPT2.generate, parse_out), generator.py
// (Generator.clip_similarity, img2txt), config.py (GPT2).
//
//   CaptionScorerOptions options;              // the paper's rules, batches of 25
//   CG_ASSIGN_OR_RETURN(auto scorer, CaptionScorer::Create(gpt2, gpt2_tokenizer, clip,
//                                                          clip_tokenizer, options));
//   CG_ASSIGN_OR_RETURN(at::Tensor target, clip->EncodeImage(preprocessed_target));  // [1, E]
//   CG_ASSIGN_OR_RETURN(CaptionScores scores, scorer->Score(genomes, target));      // [N]
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/models/clip.h"
#include "worker/models/gpt2.h"
#include "worker/models/gpt2_caption.h"
#include "worker/tokenizers/clip_tokenizer.h"
#include "worker/tokenizers/gpt2_tokenizer.h"

namespace clipglass::models {

struct CaptionScorerOptions {
  // Genome length, context text, generated tokens, <|endoftext|> handling, character limit.
  CaptionRules rules;
  // Rows of every GPT-2 and CLIP call: genomes run in chunks of this size and the last chunk is
  // padded to it, so an individual's bits never depend on the batch it came in (DESIGN.md,
  // "Determinism"). The paper's GPT-2 configuration has batch_size 25.
  int64_t batch_size = 25;
  // Captions that need more than CLIP's 77 ids: kError scores them 0 (CLIP-GLaSS catches clip's
  // RuntimeError); kTruncate keeps the first 77 ids with EOT last (later OpenAI CLIP).
  // CLIP-GLaSS zeroes the WHOLE evaluated population when one caption overflows; here only the
  // caption itself scores 0, so a score never depends on the other individuals.
  tokenizers::ClipOverflow overflow = tokenizers::ClipOverflow::kError;
};

struct CaptionScores {
  std::vector<std::string> captions;  // per genome, at most rules.max_chars characters
  at::Tensor similarity;              // [N] float32 on CPU: cosine(text features, target)
  std::vector<bool> too_long;         // per genome: needed more than CLIP's context
};

// Thread-safety: immutable after Create; const methods may be called concurrently.
class CaptionScorer {
 public:
  // Checks that the pieces fit together: the GPT-2 tokenizer covers the model's ids, the context
  // text encodes to ids the model has, genome + context + new tokens fit its positions, and the
  // CLIP tokenizer's ids exist in the CLIP model. InvalidArgument naming what does not fit.
  static StatusOr<std::unique_ptr<CaptionScorer>> Create(
      std::shared_ptr<const Gpt2> gpt2,
      std::shared_ptr<const tokenizers::Gpt2Tokenizer> gpt2_tokenizer,
      std::shared_ptr<const ClipModel> clip,
      std::shared_ptr<const tokenizers::ClipTokenizer> clip_tokenizer,
      const CaptionScorerOptions& options = {});

  // genomes: [N, rules.genome_length] integer GPT-2 ids in [0, vocab). Returns the caption of
  // each: genome + context ids, greedy decoding of rules.new_tokens, then parse_out's rules.
  StatusOr<std::vector<std::string>> Caption(const at::Tensor& genomes) const;

  // Caption(genomes) scored by ScoreCaptions.
  StatusOr<CaptionScores> Score(const at::Tensor& genomes, const at::Tensor& target_features) const;

  // Texts -> CLIP tokenizer -> CLIP text features -> cosine similarity with target_features
  // ([E] or [1, E], e.g. ClipModel::EncodeImage of the target image). Texts CLIP's context cannot
  // hold are handled per options.overflow.
  StatusOr<CaptionScores> ScoreCaptions(std::vector<std::string> captions,
                                        const at::Tensor& target_features) const;

  // The GPT-2 ids of rules.context_text ([1169, 4286, 286] for "the picture of").
  const std::vector<int64_t>& context_ids() const { return context_ids_; }
  const CaptionScorerOptions& options() const { return options_; }

 private:
  CaptionScorer() = default;

  std::shared_ptr<const Gpt2> gpt2_;
  std::shared_ptr<const tokenizers::Gpt2Tokenizer> gpt2_tokenizer_;
  std::shared_ptr<const ClipModel> clip_;
  std::shared_ptr<const tokenizers::ClipTokenizer> clip_tokenizer_;
  CaptionScorerOptions options_;
  std::vector<int64_t> context_ids_;
};

}  // namespace clipglass::models
