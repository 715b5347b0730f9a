// An Evaluator for benchmark problems (ModelSpec.family = zdt1|zdt2|zdt3|sphere|rastrigin), so
// the whole distributed machinery can be tested and benchmarked without models. Objectives map
// onto the protocol's fields as similarity = -f1 and discriminator_loss = f2.
#pragma once

#include <chrono>

#include "worker/runtime/evaluator.h"

namespace clipglass::worker {

class BenchmarkEvaluator final : public Evaluator {
 public:
  // `delay` is slept per batch, simulating a model's evaluation time (scaling benchmarks).
  explicit BenchmarkEvaluator(std::chrono::microseconds delay = std::chrono::microseconds(0))
      : delay_(delay) {}

  StatusOr<EvaluationResult> Evaluate(const v1::Assign& assign, bool* permanent) override;
  std::vector<std::string> LoadedModels() const override { return {}; }

  // True for the families this evaluator knows.
  static bool Handles(const std::string& family);

 private:
  std::chrono::microseconds delay_;
};

}  // namespace clipglass::worker
