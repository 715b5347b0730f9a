#include "worker/evaluator/model_residency.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace clipglass::worker {
namespace {

double MiB(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

ModelResidency::ModelResidency(const ComputeSettings& compute) : compute_(compute) {}

StatusOr<std::shared_ptr<const ModelSet>> ModelResidency::Acquire(const v1::ModelSpec& spec,
                                                                  double* load_seconds,
                                                                  bool* permanent) {
  *load_seconds = 0;
  std::vector<std::string> wanted;
  for (const ComponentRef& ref : SpecComponents(spec)) wanted.push_back(ref.id);
  for (auto it = lru_.begin(); it != lru_.end(); ++it) {
    if ((*it)->key != spec.key()) continue;
    if ((*it)->component_ids == wanted) {
      lru_.splice(lru_.begin(), lru_, it);
      return lru_.front();
    }
    // The same key now names other files: forget the old set.
    lru_.erase(it);
    break;
  }

  const auto start = std::chrono::steady_clock::now();
  MakeRoom(EstimateMissingBytes(spec, pool_), spec.key());
  StatusOr<std::shared_ptr<const ModelSet>> loaded =
      LoadModelSet(spec, compute_, &pool_, &tokenizers_, permanent);
  if (!loaded.ok()) return loaded.status();
  lru_.push_front(*loaded);
  ++loads_;
  // Exact sizes are known now; the estimate from file sizes may have been low (fp16 files).
  MakeRoom(0, spec.key());
  *load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("model {} loaded in {:.2f} s ({:.1f} MiB resident)", spec.key(), *load_seconds,
               MiB(pool_.LiveBytes()));
  return *loaded;
}

void ModelResidency::MakeRoom(uint64_t incoming, const std::string& keep) {
  const uint64_t budget = compute_.memory_budget_bytes;
  if (budget == 0) return;
  while (pool_.LiveBytes() + incoming > budget) {
    auto victim = lru_.end();
    for (auto it = lru_.begin(); it != lru_.end(); ++it) {
      if ((*it)->key != keep) victim = it;  // the last match is the least recently used
    }
    if (victim == lru_.end()) return;
    spdlog::info("model {} evicted (budget {:.1f} MiB)", (*victim)->key, MiB(budget));
    lru_.erase(victim);
    ++evictions_;
  }
}

std::vector<std::string> ModelResidency::ResidentKeys() const {
  std::vector<std::string> keys;
  for (const auto& set : lru_) keys.push_back(set->key);
  return keys;
}

}  // namespace clipglass::worker
