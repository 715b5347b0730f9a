// What a worker does with a batch: turn genomes into objective values. The worker client talks
// to the coordinator; an Evaluator does the work (models, or a benchmark problem for tests).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "proto/clipglass.pb.h"

namespace clipglass::worker {

struct EvaluationResult {
  std::vector<float> similarity;          // one per individual
  std::vector<float> discriminator_loss;  // one per individual when asked, else empty
  std::vector<v1::Output> outputs;        // for the indices in Assign.keep_outputs
  double load_seconds = 0;
  double eval_seconds = 0;
};

// Thread-compatible: the worker client calls Evaluate from one thread at a time.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Errors name the model and the step; `permanent` tells the coordinator whether another worker
  // could succeed (a missing weights file is permanent, running out of memory is not).
  virtual StatusOr<EvaluationResult> Evaluate(const v1::Assign& assign, bool* permanent) = 0;
  // Keys of the models this evaluator holds now (Hello.loaded_models).
  virtual std::vector<std::string> LoadedModels() const = 0;
};

}  // namespace clipglass::worker
