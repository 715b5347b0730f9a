// The worker's model evaluator: a batch of packed genomes for one ModelSpec -> CLIP similarity
// (and StyleGAN2's discriminator loss) per individual, plus the images or captions asked for.
// docs/evaluator.md describes the pipeline of each family, residency, the target cache and the
// determinism measures.
//
//   ModelEvaluatorOptions options;  // cpu, fp32, all cores, no memory limit, micro-batches of 8
//   CG_ASSIGN_OR_RETURN(std::unique_ptr<Evaluator> evaluator, MakeModelEvaluator(options));
//   bool permanent = false;
//   StatusOr<EvaluationResult> result = evaluator->Evaluate(assign, &permanent);
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/evaluator/batch_scores.h"
#include "worker/evaluator/model_evaluator_options.h"
#include "worker/evaluator/model_residency.h"
#include "worker/evaluator/target_cache.h"
#include "worker/runtime/evaluator.h"

namespace clipglass::worker {

// Counters for logs and tests.
struct ModelEvaluatorStats {
  int64_t batches = 0;            // batches evaluated successfully
  int64_t individuals = 0;        // individuals in them
  int64_t model_loads = 0;        // model sets loaded (a resident set is not reloaded)
  int64_t model_evictions = 0;    // model sets dropped to stay within the memory budget
  int64_t target_embeddings = 0;  // target embeddings computed (cached ones are not recomputed)
  int64_t target_cache_hits = 0;  // target lookups answered from the cache
  uint64_t resident_bytes = 0;    // estimated bytes of the resident models
};

// Thread-compatible, as Evaluator requires; LoadedModels() and stats() may also be called from
// another thread while Evaluate runs.
class ModelEvaluator final : public Evaluator {
 public:
  // Checks the options (ResolveComputeSettings) and applies the thread count
  // (ConfigureTorchThreads: process-wide, the last evaluator made wins).
  static StatusOr<std::unique_ptr<ModelEvaluator>> Create(const ModelEvaluatorOptions& options);

  // Families stylegan2, biggan and gpt2. Errors name the model key and the step; *permanent is
  // true for bad input (missing or corrupt weights, a genome that does not fit the model, an
  // unusable target) and false for resource failures (LibTorch errors such as out of memory).
  StatusOr<EvaluationResult> Evaluate(const v1::Assign& assign, bool* permanent) override;
  std::vector<std::string> LoadedModels() const override;

  ModelEvaluatorStats stats() const;
  const ComputeSettings& compute() const { return compute_; }

 private:
  explicit ModelEvaluator(const ComputeSettings& compute);
  StatusOr<EvaluationResult> EvaluateOrThrow(const v1::Assign& assign, bool* permanent,
                                             StepTracker* tracker);
  void PublishState();

  const ComputeSettings compute_;
  ModelResidency residency_;
  TargetCache targets_;

  mutable std::mutex mu_;  // guards the two copies below
  std::vector<std::string> loaded_models_;
  ModelEvaluatorStats stats_;
};

// The same as ModelEvaluator::Create, as the Evaluator interface.
StatusOr<std::unique_ptr<Evaluator>> MakeModelEvaluator(const ModelEvaluatorOptions& options);

}  // namespace clipglass::worker
