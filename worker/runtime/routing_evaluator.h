// The evaluator a worker process runs: benchmark problems go to the BenchmarkEvaluator, model
// families (stylegan2, biggan, gpt2) to the model evaluator when this build has one.
#pragma once

#include <memory>

#include "worker/runtime/benchmark_evaluator.h"
#include "worker/runtime/evaluator.h"

namespace clipglass::worker {

class RoutingEvaluator final : public Evaluator {
 public:
  // `models` may be null (a build without LibTorch): model batches then fail permanently.
  // `benchmark_delay` simulates a model's evaluation time per benchmark batch (tests, scaling
  // benchmarks).
  explicit RoutingEvaluator(std::unique_ptr<Evaluator> models,
                            std::chrono::microseconds benchmark_delay = {})
      : benchmark_(benchmark_delay), models_(std::move(models)) {}

  StatusOr<EvaluationResult> Evaluate(const v1::Assign& assign, bool* permanent) override {
    if (BenchmarkEvaluator::Handles(assign.model().family())) {
      return benchmark_.Evaluate(assign, permanent);
    }
    if (!models_) {
      *permanent = true;
      return UnimplementedError("this worker was built without models (family '" +
                                assign.model().family() + "')");
    }
    return models_->Evaluate(assign, permanent);
  }
  std::vector<std::string> LoadedModels() const override {
    return models_ ? models_->LoadedModels() : std::vector<std::string>{};
  }

 private:
  BenchmarkEvaluator benchmark_;
  std::unique_ptr<Evaluator> models_;
};

}  // namespace clipglass::worker
