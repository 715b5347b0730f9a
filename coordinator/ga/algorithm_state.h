// The whole mutable state of one Algorithm as plain data: what a checkpoint stores. Restoring it
// into a fresh Algorithm built from the same GaConfig continues the run bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "coordinator/ga/population.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga {

enum class Phase : int {
  kEvaluating = 0,          // a batch (initial population or offspring) is out for evaluation
  kAwaitingImmigrants = 1,  // survived a migration generation; waits for Immigrate()
  kFinished = 2,            // reached max_generations, or mating found no new genome
};

const char* PhaseName(Phase phase);

struct AlgorithmState {
  RngState rng;
  int generation = 0;  // completed generations (1 after the initial population's survival)
  uint64_t next_id = 0;
  int64_t evaluations = 0;  // results told so far
  Phase phase = Phase::kEvaluating;
  Population population;  // after the last survival; empty before generation 1

  // The batch being evaluated (empty unless phase == kEvaluating). Its ids are
  // batch_first_id, batch_first_id + 1, ... in row order.
  bool batch_is_initial = true;
  uint64_t batch_first_id = 0;
  std::vector<double> batch_genes;       // [n, num_genes]
  std::vector<double> batch_objectives;  // [n, num_objectives], minimised; 0 where not told
  std::vector<uint8_t> batch_told;       // [n] 1 = result received

  bool operator==(const AlgorithmState&) const = default;
};

}  // namespace clipglass::ga
