// What a family pipeline returns for one batch (the evaluator adds the timings).
#pragma once

#include <string>
#include <vector>

#include "proto/clipglass.pb.h"

namespace clipglass::worker {

struct BatchScores {
  std::vector<float> similarity;          // one per individual
  std::vector<float> discriminator_loss;  // one per individual when asked, else empty
  std::vector<v1::Output> outputs;        // the kept individuals' images or captions
};

// Where a pipeline is, for the message of a LibTorch exception caught around the whole batch.
struct StepTracker {
  std::string step = "start";
};

}  // namespace clipglass::worker
