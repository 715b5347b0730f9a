#include "worker/evaluator/caption_pipeline.h"

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <utility>

#include "worker/models/caption_scorer.h"

namespace clipglass::worker {

namespace {

// OK when every value of `ids` lies in [0, size); else "<what> must lie in [0, size - 1], got
// [low, high]".
Status CheckRange(const at::Tensor& ids, int64_t size, const std::string& what) {
  if (ids.numel() == 0) return Status::Ok();
  const int64_t low = ids.min().item<int64_t>();
  const int64_t high = ids.max().item<int64_t>();
  if (low >= 0 && high < size) return Status::Ok();
  return InvalidArgumentError(what + " must lie in [0, " + std::to_string(size - 1) + "], got [" +
                              std::to_string(low) + ", " + std::to_string(high) + "]");
}

}  // namespace

StatusOr<BatchScores> EvaluateCaptions(const ModelSet& models, const SpecSettings& settings,
                                       const CaptionBatch& batch, int64_t micro_batch,
                                       StepTracker* tracker) {
  const std::string where = "model " + models.key + ": ";
  if (!models.gpt2 || !models.gpt2_tokenizer) {
    return InvalidArgumentError(where + "no GPT-2 loaded");
  }
  if (batch.genomes->scalar_type() != at::kLong) {
    return InvalidArgumentError(where + "GPT-2 genomes must be integer token ids");
  }
  at::Tensor genomes = *batch.genomes;  // [count, genome_length] token ids
  const int64_t count = genomes.size(0);
  if (!settings.genome_token_ids.empty()) {
    // The alphabet's genes (all, or one segment's columns) index the configured tokens.
    const int64_t first = settings.token_ids_first_gene;
    const int64_t width = settings.token_ids_gene_count == 0 ? genomes.size(1) - first
                                                             : settings.token_ids_gene_count;
    if (first < 0 || width < 1 || first + width > genomes.size(1)) {
      return InvalidArgumentError(where + "genes [" + std::to_string(first) + ", " +
                                  std::to_string(first + width - 1) +
                                  "] index genome_token_ids but the genome has " +
                                  std::to_string(genomes.size(1)) + " genes");
    }
    const at::Tensor genes = genomes.narrow(1, first, width);
    CG_RETURN_IF_ERROR(CheckRange(genes, static_cast<int64_t>(settings.genome_token_ids.size()),
                                  where + "genes index genome_token_ids and"));
    const at::Tensor alphabet = at::tensor(settings.genome_token_ids, at::kLong);
    genomes = genomes.clone();
    genomes.narrow(1, first, width)
        .copy_(alphabet.index_select(0, genes.reshape({-1})).view(genes.sizes()));
  }
  CG_RETURN_IF_ERROR(
      CheckRange(genomes, models.gpt2->config().vocab_size, where + "genome token ids"));

  tracker->step = "caption scorer setup";
  models::CaptionScorerOptions options;
  options.rules = settings.caption_rules;
  options.rules.genome_length = genomes.size(1);
  options.batch_size = micro_batch;
  auto scorer = models::CaptionScorer::Create(models.gpt2, models.gpt2_tokenizer, models.clip,
                                              models.clip_tokenizer, options);
  if (!scorer.ok()) return scorer.status().WithContext("model " + models.key);

  tracker->step = "gpt2 captions";
  CG_ASSIGN_OR_RETURN(std::vector<std::string> captions, (*scorer)->Caption(genomes));

  // One scoring pass per target, each in fixed-size chunks: the bits of a caption's score do not
  // depend on which captions share its chunk.
  tracker->step = "clip text features";
  BatchScores scores;
  scores.similarity.assign(count, 0.0f);
  const std::vector<at::Tensor>& targets = *batch.targets;
  for (size_t t = 0; t < targets.size(); ++t) {
    std::vector<int64_t> rows;
    std::vector<std::string> texts;
    for (int64_t i = 0; i < count; ++i) {
      if (batch.target_of[i] != static_cast<int64_t>(t)) continue;
      rows.push_back(i);
      texts.push_back(captions[i]);
    }
    if (rows.empty()) continue;
    CG_ASSIGN_OR_RETURN(models::CaptionScores scored,
                        (*scorer)->ScoreCaptions(std::move(texts), targets[t]));
    const at::Tensor similarity = scored.similarity.to(at::kFloat).contiguous();  // [rows]
    for (size_t k = 0; k < rows.size(); ++k) {
      scores.similarity[rows[k]] = similarity.data_ptr<float>()[k];
    }
  }

  for (int64_t i = 0; i < count; ++i) {
    if (!batch.keep[i]) continue;
    v1::Output output;
    output.set_index(static_cast<uint32_t>(i));
    output.set_caption(captions[i]);
    scores.outputs.push_back(std::move(output));
  }
  return scores;
}

}  // namespace clipglass::worker
