#include "coordinator/ga/island_model.h"

#include <fmt/format.h>

namespace clipglass::ga {
namespace {

GaConfig IslandGaConfig(GaConfig config, const IslandConfig& islands) {
  config.migration_interval =
      islands.num_islands > 1 && islands.migrants > 0 ? islands.migration_interval : 0;
  return config;
}

}  // namespace

const char* TopologyName(Topology topology) {
  switch (topology) {
    case Topology::kRing:
      return "ring";
    case Topology::kRandom:
      return "random";
  }
  return "unknown";
}

Status ValidateIslandConfig(const IslandConfig& c, const GaConfig& ga) {
  if (c.num_islands < 1) {
    return InvalidArgumentError(
        fmt::format("islands: need at least 1 island, got {}", c.num_islands));
  }
  if (c.migration_interval < 0) {
    return InvalidArgumentError(fmt::format(
        "islands: migration interval must be >= 0 (0 = never), got {}", c.migration_interval));
  }
  if (c.migrants < 0 || c.migrants > ga.pop_size) {
    return InvalidArgumentError(fmt::format(
        "islands: migrants must be in [0, pop_size = {}], got {}", ga.pop_size, c.migrants));
  }
  return Status::Ok();
}

StatusOr<IslandModel> IslandModel::Create(GaConfig config, IslandConfig islands,
                                          uint64_t run_seed) {
  CG_RETURN_IF_ERROR(ValidateGaConfig(config));
  CG_RETURN_IF_ERROR(ValidateIslandConfig(islands, config));
  IslandModel model(IslandGaConfig(std::move(config), islands), islands, run_seed);
  for (int i = 0; i < islands.num_islands; ++i) {
    CG_ASSIGN_OR_RETURN(Algorithm a, Algorithm::Create(model.config_, IslandSeed(run_seed, i)));
    model.islands_.push_back(std::move(a));
  }
  return model;
}

StatusOr<IslandModel> IslandModel::Restore(GaConfig config, IslandConfig islands, uint64_t run_seed,
                                           const IslandModelState& state) {
  CG_RETURN_IF_ERROR(ValidateGaConfig(config));
  CG_RETURN_IF_ERROR(ValidateIslandConfig(islands, config));
  if (static_cast<int>(state.islands.size()) != islands.num_islands) {
    return InvalidArgumentError(fmt::format("island state: {} islands saved, the config has {}",
                                            state.islands.size(), islands.num_islands));
  }
  IslandModel model(IslandGaConfig(std::move(config), islands), islands, run_seed);
  for (size_t i = 0; i < state.islands.size(); ++i) {
    StatusOr<Algorithm> a = Algorithm::Restore(model.config_, state.islands[i]);
    if (!a.ok()) return a.status().WithContext(fmt::format("island {}", i));
    model.islands_.push_back(std::move(a).value());
  }
  for (const MigrantSnapshot& s : state.snapshots) {
    if (s.island < 0 || s.island >= islands.num_islands) {
      return InvalidArgumentError(
          fmt::format("island state: snapshot of unknown island {}", s.island));
    }
    model.snapshots_[{s.island, s.generation}] = s.members;
  }
  model.ask_cursor_ = islands.num_islands > 0 ? state.ask_cursor % islands.num_islands : 0;
  return model;
}

IslandModelState IslandModel::Export() const {
  IslandModelState s;
  for (const Algorithm& a : islands_) s.islands.push_back(a.Export());
  for (const auto& [key, members] : snapshots_) {
    s.snapshots.push_back(MigrantSnapshot{key.first, key.second, members});
  }
  s.ask_cursor = ask_cursor_;
  return s;
}

int IslandModel::SourceOf(int destination, int generation) const {
  const int k = num_islands();
  if (islands_config_.topology == Topology::kRing) return (destination + k - 1) % k;
  // Sattolo's algorithm gives a uniformly random single cycle: nobody sends to itself.
  std::vector<int> next(k);
  for (int i = 0; i < k; ++i) next[i] = i;
  Rng rng(TopologySeed(run_seed_, static_cast<uint64_t>(generation)));
  for (int i = k - 1; i > 0; --i) {
    const int j = static_cast<int>(rng.UniformIndex(static_cast<uint64_t>(i)));
    std::swap(next[i], next[j]);
  }
  for (int i = 0; i < k; ++i) {
    if (next[i] == destination) return i;
  }
  return destination;  // unreachable: next is a permutation
}

std::vector<Candidate> IslandModel::Ask(int max_count) {
  std::vector<Candidate> out;
  const int k = num_islands();
  for (int t = 0; t < k && static_cast<int>(out.size()) < max_count; ++t) {
    const int i = (ask_cursor_ + t) % k;
    std::vector<Candidate> got = islands_[i].Ask(max_count - static_cast<int>(out.size()));
    for (Candidate& c : got) {
      c.id = c.id * static_cast<uint64_t>(k) + static_cast<uint64_t>(i);
      c.island = i;
      out.push_back(std::move(c));
    }
  }
  ask_cursor_ = (ask_cursor_ + 1) % k;
  return out;
}

Status IslandModel::Tell(uint64_t id, std::span<const double> objectives) {
  const int k = num_islands();
  const int i = IslandOf(id);
  Algorithm& island = islands_[i];
  const int before = island.generation();
  Status st = island.Tell(id / static_cast<uint64_t>(k), objectives);
  if (!st.ok()) return st.WithContext(fmt::format("island {}", i));
  if (island.generation() != before && island.phase() == Phase::kAwaitingImmigrants) {
    // The island just survived a migration generation: its best now are the migrants it sends.
    snapshots_[{i, island.generation()}] = island.Emigrants(islands_config_.migrants);
  }
  return Migrate();
}

Status IslandModel::Migrate() {
  bool progress = true;
  while (progress) {
    progress = false;
    for (int d = 0; d < num_islands(); ++d) {
      Algorithm& dest = islands_[d];
      if (dest.phase() != Phase::kAwaitingImmigrants) continue;
      const int g = dest.generation();
      const int s = SourceOf(d, g);
      auto it = snapshots_.find({s, g});
      if (it != snapshots_.end()) {
        const std::vector<Member> migrants = std::move(it->second);
        snapshots_.erase(it);
        StatusOr<int> taken = dest.Immigrate(migrants);
        if (!taken.ok()) return taken.status().WithContext(fmt::format("island {}", d));
        progress = true;
      } else if (islands_[s].finished() && islands_[s].generation() < g) {
        // The source stopped early (mating exhausted) and will never reach g.
        StatusOr<int> taken = dest.Immigrate({});
        if (!taken.ok()) return taken.status().WithContext(fmt::format("island {}", d));
        progress = true;
      }
    }
  }
  return Status::Ok();
}

bool IslandModel::finished() const {
  for (const Algorithm& a : islands_) {
    if (!a.finished()) return false;
  }
  return true;
}

int64_t IslandModel::evaluations() const {
  int64_t n = 0;
  for (const Algorithm& a : islands_) n += a.evaluations();
  return n;
}

Population IslandModel::MergedPopulation() const {
  const int k = num_islands();
  Population out(config_.space.num_genes(), config_.num_objectives);
  for (int i = 0; i < k; ++i) {
    const Population& p = islands_[i].population();
    for (int j = 0; j < p.size(); ++j) {
      out.AppendFrom(p, j);
      out.ids.back() = p.ids[j] * static_cast<uint64_t>(k) + static_cast<uint64_t>(i);
    }
  }
  return out;
}

}  // namespace clipglass::ga
