// Ref: galatolofederico/clip-glass models.py GPT2.generate / parse_out, generator.py
// Generator.clip_similarity (img2txt branch).
#include "worker/models/caption_scorer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <utility>

namespace clipglass::models {
namespace {

// Rows [start, start + count) of `rows` [N, ...], padded to `batch` rows with copies of the first.
at::Tensor PaddedChunk(const at::Tensor& rows, int64_t start, int64_t count, int64_t batch) {
  const at::Tensor chunk = rows.narrow(0, start, count);
  if (count == batch) return chunk;
  std::vector<int64_t> pad_shape(rows.sizes().begin(), rows.sizes().end());
  pad_shape[0] = batch - count;
  return at::cat({chunk, chunk.narrow(0, 0, 1).expand(pad_shape)});
}

}  // namespace

StatusOr<std::unique_ptr<CaptionScorer>> CaptionScorer::Create(
    std::shared_ptr<const Gpt2> gpt2,
    std::shared_ptr<const tokenizers::Gpt2Tokenizer> gpt2_tokenizer,
    std::shared_ptr<const ClipModel> clip,
    std::shared_ptr<const tokenizers::ClipTokenizer> clip_tokenizer,
    const CaptionScorerOptions& options) {
  if (!gpt2 || !gpt2_tokenizer || !clip || !clip_tokenizer) {
    return InvalidArgumentError("caption scorer: every model and tokenizer is required");
  }
  const CaptionRules& rules = options.rules;
  if (options.batch_size <= 0 || rules.genome_length <= 0 || rules.new_tokens < 0) {
    return InvalidArgumentError(
        "caption scorer: batch_size and genome_length must be positive, new_tokens >= 0");
  }
  const Gpt2Config& gpt2_config = gpt2->config();
  if (gpt2_config.vocab_size > gpt2_tokenizer->vocab_size()) {
    return InvalidArgumentError(
        "caption scorer: GPT-2 has " + std::to_string(gpt2_config.vocab_size) +
        " token ids but its tokenizer only " + std::to_string(gpt2_tokenizer->vocab_size()));
  }
  if (clip_tokenizer->vocab_size() > clip->config().vocab_size) {
    return InvalidArgumentError("caption scorer: the CLIP tokenizer makes ids up to " +
                                std::to_string(clip_tokenizer->vocab_size() - 1) +
                                " but CLIP has " + std::to_string(clip->config().vocab_size));
  }
  auto scorer = std::unique_ptr<CaptionScorer>(new CaptionScorer());
  CG_ASSIGN_OR_RETURN(const std::vector<int32_t> context,
                      gpt2_tokenizer->Encode(rules.context_text));
  for (const int32_t id : context) {
    if (id >= gpt2_config.vocab_size) {
      return InvalidArgumentError("caption scorer: context text '" + rules.context_text +
                                  "' encodes to id " + std::to_string(id) + " outside GPT-2's " +
                                  std::to_string(gpt2_config.vocab_size));
    }
    scorer->context_ids_.push_back(id);
  }
  const int64_t total =
      rules.genome_length + static_cast<int64_t>(context.size()) + rules.new_tokens;
  if (total > gpt2_config.n_positions) {
    return InvalidArgumentError("caption scorer: " + std::to_string(total) +
                                " tokens per sequence exceed GPT-2's " +
                                std::to_string(gpt2_config.n_positions) + " positions");
  }
  scorer->gpt2_ = std::move(gpt2);
  scorer->gpt2_tokenizer_ = std::move(gpt2_tokenizer);
  scorer->clip_ = std::move(clip);
  scorer->clip_tokenizer_ = std::move(clip_tokenizer);
  scorer->options_ = options;
  return scorer;
}

StatusOr<std::vector<std::string>> CaptionScorer::Caption(const at::Tensor& genomes) const {
  const CaptionRules& rules = options_.rules;
  if (!genomes.defined() || genomes.dim() != 2 || genomes.size(0) == 0 ||
      genomes.size(1) != rules.genome_length || at::isFloatingType(genomes.scalar_type())) {
    return InvalidArgumentError("caption scorer: genomes must be a non-empty [N, " +
                                std::to_string(rules.genome_length) + "] integer tensor");
  }
  const int64_t count = genomes.size(0);
  const int64_t batch = options_.batch_size;
  at::Tensor ids = genomes.to(at::kCPU, at::kLong).contiguous();                 // [N, L]
  const at::Tensor context = at::tensor(context_ids_, at::kLong).view({1, -1});  // [1, context]

  Gpt2GenerateOptions generate;  // greedy, with the cache
  generate.new_tokens = rules.new_tokens;
  std::vector<std::string> captions;
  captions.reserve(count);
  for (int64_t start = 0; start < count; start += batch) {
    const int64_t rows = std::min(batch, count - start);
    const at::Tensor input =
        at::cat({PaddedChunk(ids, start, rows, batch), context.expand({batch, context.size(1)})},
                1);  // [batch, L + context]
    auto generated = gpt2_->Generate(input, generate);
    if (!generated.ok()) return generated.status().WithContext("caption scorer: genomes");
    const at::Tensor sequences = generated->narrow(0, 0, rows).contiguous();  // [rows, total]
    const int64_t length = sequences.size(1);
    const int64_t* data = sequences.data_ptr<int64_t>();
    for (int64_t r = 0; r < rows; ++r) {
      const std::vector<int64_t> caption_ids =
          CaptionIds(std::span<const int64_t>(data + r * length, length), rules);
      const std::vector<int32_t> narrow_ids(caption_ids.begin(), caption_ids.end());
      CG_ASSIGN_OR_RETURN(const std::string text, gpt2_tokenizer_->Decode(narrow_ids));
      captions.push_back(KeepCodePoints(text, rules.max_chars));
    }
  }
  return captions;
}

StatusOr<CaptionScores> CaptionScorer::Score(const at::Tensor& genomes,
                                             const at::Tensor& target_features) const {
  CG_ASSIGN_OR_RETURN(std::vector<std::string> captions, Caption(genomes));
  return ScoreCaptions(std::move(captions), target_features);
}

StatusOr<CaptionScores> CaptionScorer::ScoreCaptions(std::vector<std::string> captions,
                                                     const at::Tensor& target_features) const {
  const ClipConfig& clip_config = clip_->config();
  if (!target_features.defined() || target_features.numel() != clip_config.embed_dim ||
      target_features.dim() > 2) {
    return InvalidArgumentError("caption scorer: the target features must be [" +
                                std::to_string(clip_config.embed_dim) + "] or [1, " +
                                std::to_string(clip_config.embed_dim) + "]");
  }
  const int64_t count = static_cast<int64_t>(captions.size());
  CaptionScores scores;
  scores.too_long.assign(count, false);
  scores.similarity = at::zeros({count}, at::kFloat);
  if (count == 0) {
    scores.captions = std::move(captions);
    return scores;
  }

  // clip.tokenize row by row: [SOT] + ids + [EOT], zero padded. A caption that needs more than
  // the context keeps an [SOT, EOT] placeholder row and scores 0 (kError), or is cut to the first
  // context - 2 ids (kTruncate), so every caption keeps its row.
  const int64_t context_length = clip_config.context_length;
  at::Tensor tokens = at::zeros({count, context_length}, at::kLong);  // [N, context]
  int64_t* token_data = tokens.data_ptr<int64_t>();
  for (int64_t i = 0; i < count; ++i) {
    auto encoded = clip_tokenizer_->Encode(captions[i]);
    if (!encoded.ok())
      return encoded.status().WithContext("caption scorer: caption " + std::to_string(i));
    std::vector<int32_t>& ids = *encoded;
    if (static_cast<int64_t>(ids.size()) + 2 > context_length) {
      scores.too_long[i] = true;
      if (options_.overflow == tokenizers::ClipOverflow::kError) ids.clear();
      ids.resize(context_length - 2);
    }
    int64_t* row = token_data + i * context_length;
    row[0] = tokenizers::ClipTokenizer::kStartOfText;
    std::copy(ids.begin(), ids.end(), row + 1);
    row[ids.size() + 1] = tokenizers::ClipTokenizer::kEndOfText;
  }

  const int64_t batch = options_.batch_size;
  const at::Tensor target = target_features.reshape({1, clip_config.embed_dim});  // [1, E]
  for (int64_t start = 0; start < count; start += batch) {
    const int64_t rows = std::min(batch, count - start);
    auto features = clip_->EncodeText(PaddedChunk(tokens, start, rows, batch));  // [batch, E]
    if (!features.ok()) return features.status().WithContext("caption scorer: CLIP text");
    CG_ASSIGN_OR_RETURN(const at::Tensor similarity,
                        CosineSimilarity(*features, target.to(features->device())));  // [batch, 1]
    scores.similarity.narrow(0, start, rows)
        .copy_(similarity.narrow(0, 0, rows).reshape({rows}).to(at::kCPU, at::kFloat));
  }
  if (options_.overflow == tokenizers::ClipOverflow::kError) {
    float* similarity = scores.similarity.data_ptr<float>();
    for (int64_t i = 0; i < count; ++i) {
      if (scores.too_long[i]) similarity[i] = 0.0f;
    }
  }
  scores.captions = std::move(captions);
  return scores;
}

}  // namespace clipglass::models
