// Which model sets a worker keeps loaded: keyed by ModelSpec.key, loaded on demand, least
// recently used evicted first while the live components' bytes exceed the memory budget.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "proto/clipglass.pb.h"
#include "worker/evaluator/component_pool.h"
#include "worker/evaluator/model_evaluator_options.h"
#include "worker/evaluator/model_set.h"
#include "worker/evaluator/tokenizer_store.h"

namespace clipglass::worker {

// Thread-compatible (the evaluator calls it from one thread at a time).
class ModelResidency {
 public:
  explicit ModelResidency(const ComputeSettings& compute);

  // The models of `spec`: the resident set of spec.key (made most recently used), or a freshly
  // loaded one after evicting least recently used sets to make room. *load_seconds: time spent
  // loading (0 when resident). Errors as LoadModelSet's, with *permanent set.
  StatusOr<std::shared_ptr<const ModelSet>> Acquire(const v1::ModelSpec& spec, double* load_seconds,
                                                    bool* permanent);

  // Keys of the resident sets, most recently used first.
  std::vector<std::string> ResidentKeys() const;
  // Estimated bytes of every live component (shared ones counted once).
  uint64_t ResidentBytes() { return pool_.LiveBytes(); }

  int64_t loads() const { return loads_; }
  int64_t evictions() const { return evictions_; }

 private:
  // Evicts least recently used sets other than `keep` until `incoming` more bytes fit the budget
  // or nothing else is left to evict.
  void MakeRoom(uint64_t incoming, const std::string& keep);

  ComputeSettings compute_;
  ComponentPool pool_;
  TokenizerStore tokenizers_;
  std::list<std::shared_ptr<const ModelSet>> lru_;  // front: most recently used
  int64_t loads_ = 0;
  int64_t evictions_ = 0;
};

}  // namespace clipglass::worker
