// Drives ask/tell engines against a benchmark problem the way the coordinator will: batches of
// asks, results told in a chosen order, optionally stopping early (for checkpoint tests).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "coordinator/ga/algorithm.h"
#include "coordinator/ga/problems.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga::testing {

struct DriveOptions {
  int batch = 1 << 30;        // genomes per Ask
  uint64_t shuffle_seed = 0;  // 0: tell in ask order; otherwise shuffle each batch's results
  int64_t max_tells = -1;     // stop after this many tells (-1: run to the end)
  bool negate = false;        // tell -f (for Direction::kMaximize tests)
};

// Returns the number of results told. Engine: Algorithm or IslandModel.
template <typename Engine>
int64_t Drive(Engine& engine, const Problem& problem, const DriveOptions& opt = {}) {
  Rng shuffler(opt.shuffle_seed);
  int64_t told = 0;
  std::vector<int> perm;
  while (!engine.finished()) {
    if (opt.max_tells >= 0 && told >= opt.max_tells) return told;
    std::vector<Candidate> batch = engine.Ask(opt.batch);
    if (batch.empty()) {
      ADD_FAILURE() << "engine neither finished nor gave work";
      return told;
    }
    if (opt.shuffle_seed != 0) {
      shuffler.Permutation(static_cast<int>(batch.size()), &perm);
    } else {
      perm.resize(batch.size());
      for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int>(i);
    }
    for (int i : perm) {
      if (opt.max_tells >= 0 && told >= opt.max_tells) return told;
      std::vector<double> f = problem.Evaluate(batch[i].genes);
      if (opt.negate) {
        for (double& v : f) v = -v;
      }
      Status st = engine.Tell(batch[i].id, f);
      if (!st.ok()) {
        ADD_FAILURE() << st.ToString();
        return told;
      }
      ++told;
    }
  }
  return told;
}

}  // namespace clipglass::ga::testing
