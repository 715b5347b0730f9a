// K islands per run: each an Algorithm with its own RNG stream; every M generations each island
// takes the best m individuals of its source island (ring, or a random cycle drawn per migration
// from the run seed) in place of its worst.
//
// Islands progress independently (no global barrier). Determinism: an island that has survived a
// migration generation g waits (Ask gives nothing from it) until its source has survived g too,
// and the migrants are the source's best AT g (kept in a snapshot until taken). So the result does
// not depend on the order or timing of Ask/Tell calls. With K = 1 there is no migration and the
// single island is exactly Algorithm::Create(config, run_seed).
//
// Ref: Whitley, Rana & Heckendorn 1999 (the island model genetic algorithm); Cantu-Paz 1998
// (migration policies: best replace worst).
//
// Not thread-safe: the caller serialises calls.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/algorithm.h"

namespace clipglass::ga {

enum class Topology {
  kRing,    // island i receives from island i - 1 (mod K)
  kRandom,  // a random single cycle over the islands, drawn anew at each migration generation
};

const char* TopologyName(Topology topology);

struct IslandConfig {
  int num_islands = 1;
  int migration_interval = 0;  // generations between migrations; 0 = never
  int migrants = 1;            // individuals sent by each island per migration
  Topology topology = Topology::kRing;
};

Status ValidateIslandConfig(const IslandConfig& islands, const GaConfig& ga);

// Migrants of `island` at `generation`, waiting to be taken by their destination.
struct MigrantSnapshot {
  int island = 0;
  int generation = 0;
  std::vector<Member> members;
  bool operator==(const MigrantSnapshot&) const = default;
};

struct IslandModelState {
  std::vector<AlgorithmState> islands;
  std::vector<MigrantSnapshot> snapshots;
  int ask_cursor = 0;
  bool operator==(const IslandModelState&) const = default;
};

class IslandModel {
 public:
  static StatusOr<IslandModel> Create(GaConfig config, IslandConfig islands, uint64_t run_seed);
  static StatusOr<IslandModel> Restore(GaConfig config, IslandConfig islands, uint64_t run_seed,
                                       const IslandModelState& state);

  // Up to max_count genomes from the islands that have work, taking islands in turn. Ids are
  // unique across islands: id = local_id * K + island.
  std::vector<Candidate> Ask(int max_count);
  // Routes the result to its island; migration happens here when an island reaches a migration
  // generation. Errors as Algorithm::Tell.
  Status Tell(uint64_t id, std::span<const double> objectives);

  bool finished() const;
  int num_islands() const { return static_cast<int>(islands_.size()); }
  const Algorithm& island(int i) const { return islands_[i]; }
  int IslandOf(uint64_t id) const { return static_cast<int>(id % islands_.size()); }
  // The island that sends migrants to `destination` at `generation`.
  int SourceOf(int destination, int generation) const;
  int64_t evaluations() const;
  // Every island's population, island 0 first (objectives minimised, ids made global).
  Population MergedPopulation() const;

  IslandModelState Export() const;

 private:
  IslandModel(GaConfig config, IslandConfig islands, uint64_t run_seed)
      : config_(std::move(config)), islands_config_(islands), run_seed_(run_seed) {}

  // Records snapshots and feeds waiting islands until nothing changes.
  Status Migrate();

  GaConfig config_;
  IslandConfig islands_config_;
  uint64_t run_seed_ = 0;
  std::vector<Algorithm> islands_;
  std::map<std::pair<int, int>, std::vector<Member>> snapshots_;  // (island, generation)
  int ask_cursor_ = 0;
};

}  // namespace clipglass::ga
