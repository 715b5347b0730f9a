// One GA or NSGA-II population driven by ask/tell: the coordinator asks for genomes, sends them
// to workers, and tells the objective values back in whatever order they arrive. When the last
// result of a generation arrives, the algorithm runs survival and makes the next offspring.
// Evaluation never happens inside a call.
//
// Ref: pymoo 0.4.2 GeneticAlgorithm (_initialize / _next), GA and NSGA2 (see docs/ga.md for the
// semantics reproduced).
//
// Not thread-safe: the caller serialises calls (the coordinator owns it from one thread/strand).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/algorithm_state.h"
#include "coordinator/ga/config.h"
#include "coordinator/ga/population.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga {

// A genome handed out for evaluation.
struct Candidate {
  uint64_t id = 0;
  std::vector<double> genes;
  int island = 0;      // set by IslandModel; 0 for a plain Algorithm
  int generation = 0;  // the generation this genome belongs to (1 = the initial population)
};

// An evaluated individual moving between populations (a migrant). Objectives are minimised.
struct Member {
  std::vector<double> genes;
  std::vector<double> objectives;
  bool operator==(const Member&) const = default;
};

class Algorithm {
 public:
  // Validates the config, samples the initial population (the first batch).
  static StatusOr<Algorithm> Create(GaConfig config, uint64_t seed);
  // A fresh Algorithm continuing from `state` (which must come from the same config).
  static StatusOr<Algorithm> Restore(GaConfig config, const AlgorithmState& state);

  // Up to max_count genomes of the current batch not handed out yet (in batch order). Empty when
  // everything is out, or when the phase is not kEvaluating. After Restore, every genome whose
  // result is missing is handed out again.
  std::vector<Candidate> Ask(int max_count);

  // The objective values (as the caller measures them; see GaConfig::directions) of genome `id`.
  // Errors: unknown or stale id, a second result for the same id, wrong count, NaN.
  Status Tell(uint64_t id, std::span<const double> objectives);

  // Migration (used by IslandModel). The best m individuals of the current population.
  std::vector<Member> Emigrants(int m) const;
  // REQUIRES phase() == kAwaitingImmigrants. Immigrants identical to a member (or to an earlier
  // immigrant) are skipped; the rest replace the worst members; then the next offspring are made.
  // Returns how many were taken in.
  StatusOr<int> Immigrate(const std::vector<Member>& immigrants);

  AlgorithmState Export() const;

  const GaConfig& config() const { return config_; }
  Phase phase() const { return phase_; }
  bool finished() const { return phase_ == Phase::kFinished; }
  int generation() const { return generation_; }
  // The population after the last survival (objectives minimised).
  const Population& population() const { return pop_; }
  // Genomes of the current batch still without a result.
  int outstanding() const;
  // Genomes handed out by Ask so far in the current batch.
  int batch_size() const { return static_cast<int>(batch_told_.size()); }
  int64_t evaluations() const { return evaluations_; }

 private:
  Algorithm(GaConfig config, Rng rng) : config_(std::move(config)), rng_(rng) {}

  void StartBatch(std::vector<double> genes, bool initial);
  // Survival of the completed batch, then the next batch (or a wait, or the end).
  void Advance();
  void MakeNextBatch();

  GaConfig config_;
  Rng rng_;
  int generation_ = 0;
  uint64_t next_id_ = 0;
  Phase phase_ = Phase::kEvaluating;
  Population pop_;
  int64_t evaluations_ = 0;

  bool batch_is_initial_ = true;
  uint64_t batch_first_id_ = 0;
  std::vector<double> batch_genes_;
  std::vector<double> batch_objectives_;
  std::vector<uint8_t> batch_told_;
  int batch_told_count_ = 0;
  int next_to_hand_out_ = 0;  // not exported: a restored run hands out all missing genomes again
};

}  // namespace clipglass::ga
