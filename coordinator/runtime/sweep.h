// The GA state of every run of a sweep, behind the WorkSource seam: hands out genomes (packed
// per model, across islands and runs), answers repeats from a per-run cache, records statistics
// and snapshots per completed generation, picks each run's final individual, and turns all of it
// into an archive record at any moment.
//
// Determinism: everything recorded is a function of the runs' seeds and the objective values,
// which workers compute per individual. Statistics of generation g are taken from each island's
// population at g (after its migration), however far ahead other islands are.
//
// Not thread-safe: the Scheduler calls it under its lock.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/island_model.h"
#include "coordinator/runtime/genome_digest.h"
#include "coordinator/runtime/run_setup.h"
#include "coordinator/runtime/work_source.h"
#include "results/archive.h"

namespace clipglass::coordinator {

// One run as the sweep needs it; built from a grid run (FromGridRun) or directly (benchmarks).
struct SweepRun {
  std::string id;
  int64_t index = 0;
  uint64_t seed = 0;
  results::Attributes attributes;  // resolved settings for the archive
  std::string config_yaml;
  RunSetup setup;
  int64_t save_every = 50;      // snapshot every N generations (and the last); 0 = last only
  int64_t max_evaluations = 0;  // stop at the first generation reaching this many; 0 = none
};

struct SweepInput {
  std::string name;
  std::string grid_path;
  std::string grid_yaml;
  std::vector<SweepRun> runs;
};

StatusOr<SweepRun> FromGridRun(const grid::RunSpec& run);

class Sweep final : public WorkSource {
 public:
  static StatusOr<std::unique_ptr<Sweep>> Create(SweepInput input);
  // Continues the runs of `archive` (written by Record() for the same input): finished runs are
  // kept; the others continue from their engine state. A run whose resolved config changed since
  // the archive was written is an error naming it.
  static StatusOr<std::unique_ptr<Sweep>> Resume(SweepInput input,
                                                 const results::SweepRecord& archive);

  std::optional<PendingBatch> TakeBatch(int max_count,
                                        const std::set<std::string>& preferred) override;
  void Complete(int64_t ticket, const Evaluation& evaluation) override;
  void FailRun(int64_t run, const std::string& message) override;
  bool TicketLive(int64_t ticket) const override;
  bool Finished() const override;

  // The whole sweep as an archive record (provenance left for the caller to fill).
  results::SweepRecord Record() const;
  // Progress for `clipglass status` and the terminal display.
  void FillStatus(v1::StatusReply* reply) const;
  // Increases whenever something worth checkpointing changed.
  int64_t version() const { return version_; }
  // Sum over runs of completed generations and of their totals (for progress bars).
  std::pair<int64_t, int64_t> GenerationProgress() const;
  int RunsDone() const;
  int RunsFailed() const;

 private:
  struct IslandHistory {
    int recorded = 0;                           // last generation recorded
    std::map<int, ga::Population> generations;  // recorded, not yet consumed by stats
  };
  struct RunState {
    SweepRun spec;
    std::optional<ga::IslandModel> engine;
    std::string state = "running";  // running | finalizing | done | failed
    std::string error;
    std::vector<results::GenerationStats> stats;
    std::vector<results::Population> snapshots;
    std::optional<results::Population> pareto_front;
    std::optional<results::FinalIndividual> final_individual;
    bool final_output_requested = false;
    std::vector<IslandHistory> islands;
    std::unordered_map<GenomeDigest, std::vector<double>, GenomeDigestHash>
        cache;  // genome -> told values
    std::unordered_map<GenomeDigest, std::vector<uint64_t>, GenomeDigestHash>
        in_flight;  // genome -> ids waiting for its evaluation
    int64_t worker_evaluations = 0;
    int64_t cache_hits = 0;
    double wall_seconds_before = 0;  // from earlier sessions (resume)
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  };
  struct Ticket {
    int run = 0;
    GenomeDigest key;
    bool final_output = false;
  };

  explicit Sweep(SweepInput input);
  Status StartRun(RunState& run);
  Status RestoreRun(RunState& run, const results::RunRecord& record);

  bool Active(const RunState& run) const;
  // Genomes of `run` for a batch (cache hits are answered on the spot).
  void Gather(int run_index, int max_count, std::vector<int64_t>* tickets,
              std::vector<std::vector<double>>* genomes);
  void Tell(RunState& run, uint64_t id, const std::vector<double>& told);
  void AfterTell(RunState& run);
  void ConsumeGenerations(RunState& run);
  void Finish(RunState& run, const ga::Population& merged, int generation);
  double WallSeconds(const RunState& run) const;
  std::vector<uint8_t> EncodeEngineState(const RunState& run) const;
  Status DecodeEngineState(RunState& run, const std::vector<uint8_t>& bytes);

  SweepInput input_;
  std::vector<RunState> runs_;
  std::unordered_map<int64_t, Ticket> tickets_;
  int64_t next_ticket_ = 0;
  size_t cursor_ = 0;  // round-robin start over runs
  int64_t version_ = 0;
};

}  // namespace clipglass::coordinator
