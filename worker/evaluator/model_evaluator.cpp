#include "worker/evaluator/model_evaluator.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <new>
#include <utility>

#include "proto/wire.h"
#include "worker/evaluator/caption_pipeline.h"
#include "worker/evaluator/image_pipeline.h"
#include "worker/evaluator/micro_batch.h"
#include "worker/evaluator/spec_settings.h"
#include "worker/models/torch_runtime.h"

namespace clipglass::worker {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// After the models are loaded, an InvalidArgument still means input no worker can evaluate (a
// genome of the wrong width); LibTorch failures (Internal) may pass elsewhere.
bool IsPermanent(const Status& status) {
  return status.code() != StatusCode::kInternal && status.code() != StatusCode::kUnavailable &&
         status.code() != StatusCode::kCancelled;
}

}  // namespace

StatusOr<std::unique_ptr<ModelEvaluator>> ModelEvaluator::Create(
    const ModelEvaluatorOptions& options) {
  CG_ASSIGN_OR_RETURN(const ComputeSettings compute, ResolveComputeSettings(options));
  const int threads = models::ConfigureTorchThreads(options.threads);
  spdlog::info("model evaluator: {} {}, {} threads, micro-batches of {}, memory budget {}",
               compute.device.str(), c10::toString(compute.dtype), threads, compute.micro_batch,
               compute.memory_budget_bytes == 0
                   ? std::string("unlimited")
                   : std::to_string(compute.memory_budget_bytes >> 20) + " MiB");
  return std::unique_ptr<ModelEvaluator>(new ModelEvaluator(compute));
}

ModelEvaluator::ModelEvaluator(const ComputeSettings& compute)
    : compute_(compute), residency_(compute) {}

StatusOr<EvaluationResult> ModelEvaluator::Evaluate(const v1::Assign& assign, bool* permanent) {
  *permanent = false;
  StepTracker tracker;
  StatusOr<EvaluationResult> result = InternalError("not evaluated");
  // The one place a LibTorch exception of this batch ends up: it becomes a Status naming the
  // model and the step.
  try {
    c10::InferenceMode inference;
    result = EvaluateOrThrow(assign, permanent, &tracker);
  } catch (const c10::Error& e) {
    *permanent = false;
    result = InternalError("model " + assign.model().key() + ": " + tracker.step + ": " +
                           e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    *permanent = false;
    result =
        InternalError("model " + assign.model().key() + ": " + tracker.step + ": out of memory");
  }
  if (result.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.batches;
    stats_.individuals += static_cast<int64_t>(result->similarity.size());
  }
  PublishState();
  return result;
}

StatusOr<EvaluationResult> ModelEvaluator::EvaluateOrThrow(const v1::Assign& assign,
                                                           bool* permanent, StepTracker* tracker) {
  const v1::ModelSpec& spec = assign.model();
  const std::string where = "model " + spec.key();
  *permanent = true;  // until the input is known to be good

  tracker->step = "spec";
  auto settings_or = ReadSpecSettings(spec);
  if (!settings_or.ok()) return settings_or.status().WithContext(where);
  const SpecSettings& settings = *settings_or;

  tracker->step = "unpack latents";
  auto latents = wire::UnpackLatents(assign.latents());
  if (!latents.ok()) return latents.status().WithContext(where);
  const int64_t count = latents->count;
  if (assign.target_index_size() != count) {
    return InvalidArgumentError(where + ": " + std::to_string(assign.target_index_size()) +
                                " target indices for " + std::to_string(count) + " individuals");
  }
  for (const uint32_t index : assign.target_index()) {
    if (static_cast<int64_t>(index) >= assign.targets_size()) {
      return InvalidArgumentError(where + ": target index " + std::to_string(index) + " of " +
                                  std::to_string(assign.targets_size()) + " targets");
    }
  }
  std::vector<bool> keep(count, false);
  for (const uint32_t index : assign.keep_outputs()) {
    if (static_cast<int64_t>(index) >= count) {
      return InvalidArgumentError(where + ": keep_outputs index " + std::to_string(index) + " of " +
                                  std::to_string(count) + " individuals");
    }
    keep[index] = true;
  }
  auto genomes = GenomeMatrix(*latents);
  if (!genomes.ok()) return genomes.status().WithContext(where);

  EvaluationResult result;
  tracker->step = "load models";
  CG_ASSIGN_OR_RETURN(std::shared_ptr<const ModelSet> models,
                      residency_.Acquire(spec, &result.load_seconds, permanent));
  PublishState();
  const auto start = std::chrono::steady_clock::now();

  // Each distinct target once per batch, from the cache when it was seen before.
  tracker->step = "target embeddings";
  *permanent = true;
  std::map<uint32_t, int64_t> slot_of;  // Assign.targets index -> position in `features`
  std::vector<at::Tensor> features;
  std::vector<int64_t> target_of(count);
  for (int64_t i = 0; i < count; ++i) {
    const uint32_t index = assign.target_index(static_cast<int>(i));
    auto [it, inserted] = slot_of.emplace(index, static_cast<int64_t>(features.size()));
    if (inserted) {
      CG_ASSIGN_OR_RETURN(at::Tensor target, targets_.Get(assign.targets(static_cast<int>(index)),
                                                          *models, permanent));
      features.push_back(std::move(target));
    }
    target_of[i] = it->second;
  }

  StatusOr<BatchScores> scores = BatchScores{};
  if (count > 0) {
    if (settings.family == ModelFamily::kGpt2) {
      CaptionBatch batch{&*genomes, &features, target_of, keep};
      scores = EvaluateCaptions(*models, settings, batch, compute_.micro_batch, tracker);
    } else {
      std::vector<at::Tensor> rows;
      rows.reserve(count);
      for (int64_t i = 0; i < count; ++i) rows.push_back(features[target_of[i]]);
      const at::Tensor targets = at::cat(rows);  // [N, E]
      ImageBatch batch{&*genomes, &targets, assign.want_discriminator(), keep};
      scores = EvaluateImages(*models, settings, batch, compute_.micro_batch, tracker);
    }
  }
  if (!scores.ok()) {
    *permanent = IsPermanent(scores.status());
    return scores.status();
  }
  *permanent = false;
  result.similarity = std::move(scores->similarity);
  result.discriminator_loss = std::move(scores->discriminator_loss);
  result.outputs = std::move(scores->outputs);
  result.eval_seconds = SecondsSince(start);
  return result;
}

void ModelEvaluator::PublishState() {
  std::vector<std::string> keys = residency_.ResidentKeys();
  const uint64_t bytes = residency_.ResidentBytes();
  std::lock_guard<std::mutex> lock(mu_);
  loaded_models_ = std::move(keys);
  stats_.model_loads = residency_.loads();
  stats_.model_evictions = residency_.evictions();
  stats_.target_embeddings = targets_.computed();
  stats_.target_cache_hits = targets_.hits();
  stats_.resident_bytes = bytes;
}

std::vector<std::string> ModelEvaluator::LoadedModels() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loaded_models_;
}

ModelEvaluatorStats ModelEvaluator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

StatusOr<std::unique_ptr<Evaluator>> MakeModelEvaluator(const ModelEvaluatorOptions& options) {
  CG_ASSIGN_OR_RETURN(std::unique_ptr<ModelEvaluator> evaluator, ModelEvaluator::Create(options));
  return std::unique_ptr<Evaluator>(std::move(evaluator));
}

}  // namespace clipglass::worker
