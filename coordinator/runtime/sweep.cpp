#include "coordinator/runtime/sweep.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/png_codec.h"
#include "coordinator/ga/decision.h"
#include "coordinator/ga/hypervolume.h"
#include "coordinator/grid/run_render.h"
#include "coordinator/runtime/byte_codec.h"

namespace clipglass::coordinator {
namespace {

// Hypervolume reference in minimised objective space (-similarity, discriminator loss): counts
// individuals with similarity > -1 and loss < 1 (D(G(z)) > 0). For the ZDT benchmarks (f1, f2)
// this is the customary (1, 1).
constexpr std::array<double, 2> kHypervolumeReference = {1.0, 1.0};

// Bumped when the engine-state blob's layout changes.
constexpr uint64_t kEngineStateVersion = 1;

// All islands' populations at one generation, island 0 first.
ga::Population MergeIslands(const std::vector<const ga::Population*>& islands) {
  ga::Population merged(islands.front()->num_genes, islands.front()->num_objectives);
  for (const ga::Population* p : islands) merged = ga::Merge(merged, *p);
  return merged;
}

// Told (as reported) values of a population: similarity back to its sign, loss as is.
results::Population ToArchive(const ga::Population& p, const ga::GaConfig& config,
                              const std::vector<int32_t>& island, int64_t generation) {
  results::Population out;
  out.generation = generation;
  out.genes = p.num_genes;
  out.objectives = p.num_objectives;
  out.genomes = p.genes;
  out.values.resize(p.objectives.size());
  for (int i = 0; i < p.size(); ++i) {
    for (int k = 0; k < p.num_objectives; ++k) {
      out.values[i * p.num_objectives + k] =
          ga::FromMinimized(config.direction(k), p.objectives[i * p.num_objectives + k]);
    }
  }
  out.island = island;
  return out;
}

void WritePopulation(ByteWriter& w, const ga::Population& p) {
  w.I64(p.num_genes);
  w.I64(p.num_objectives);
  w.U64s(p.ids);
  w.Doubles(p.genes);
  w.Doubles(p.objectives);
  w.Ints(p.rank);
  w.Doubles(p.crowding);
}

ga::Population ReadPopulation(ByteReader& r) {
  ga::Population p;
  p.num_genes = static_cast<int>(r.I64());
  p.num_objectives = static_cast<int>(r.I64());
  p.ids = r.U64s();
  p.genes = r.Doubles();
  p.objectives = r.Doubles();
  p.rank = r.Ints();
  p.crowding = r.Doubles();
  return p;
}

}  // namespace

StatusOr<SweepRun> FromGridRun(const grid::RunSpec& run) {
  SweepRun out;
  out.id = run.id;
  out.index = run.index;
  out.seed = run.seed;
  CG_ASSIGN_OR_RETURN(out.setup, MakeRunSetup(run));
  out.config_yaml = grid::RenderRunYaml(run);
  out.save_every = run.ga.save_every;
  out.max_evaluations = run.ga.max_evaluations;
  results::Attributes& a = out.attributes;
  a["generator"] = run.generator;
  a["config"] = run.config.name;
  a["task"] = std::string(grid::TaskName(run.config.task));
  a["family"] = std::string(grid::ModelFamilyName(run.config.model.family));
  a["target"] = run.target.text;
  a["target_kind"] = std::string(grid::TargetKindName(run.target.kind));
  a["discriminator"] = int64_t{run.discriminator ? 1 : 0};
  a["seed"] = static_cast<int64_t>(run.seed);
  a["algorithm"] = std::string(grid::AlgorithmName(run.ga.algorithm));
  a["population"] = run.ga.population;
  a["islands"] = run.ga.islands;
  a["override"] = run.override_name;
  a["config_hash"] = grid::RunConfigHash(run);
  return out;
}

Sweep::Sweep(SweepInput input) : input_(std::move(input)) {}

StatusOr<std::unique_ptr<Sweep>> Sweep::Create(SweepInput input) {
  std::unique_ptr<Sweep> sweep(new Sweep(std::move(input)));
  for (SweepRun& spec : sweep->input_.runs) {
    RunState run;
    run.spec = spec;
    sweep->runs_.push_back(std::move(run));
  }
  for (RunState& run : sweep->runs_) CG_RETURN_IF_ERROR(sweep->StartRun(run));
  return sweep;
}

Status Sweep::StartRun(RunState& run) {
  CG_ASSIGN_OR_RETURN(
      ga::IslandModel engine,
      ga::IslandModel::Create(run.spec.setup.ga, run.spec.setup.islands, run.spec.seed));
  run.engine = std::move(engine);
  run.islands.assign(run.engine->num_islands(), IslandHistory{});
  run.started = std::chrono::steady_clock::now();
  return Status::Ok();
}

StatusOr<std::unique_ptr<Sweep>> Sweep::Resume(SweepInput input,
                                               const results::SweepRecord& archive) {
  std::unique_ptr<Sweep> sweep(new Sweep(std::move(input)));
  std::map<std::string, const results::RunRecord*> recorded;
  for (const results::RunRecord& r : archive.runs) recorded[r.id] = &r;
  for (SweepRun& spec : sweep->input_.runs) {
    RunState run;
    run.spec = spec;
    sweep->runs_.push_back(std::move(run));
  }
  for (RunState& run : sweep->runs_) {
    auto it = recorded.find(run.spec.id);
    if (it == recorded.end() || it->second->state == "pending") {
      CG_RETURN_IF_ERROR(sweep->StartRun(run));
      continue;
    }
    CG_RETURN_IF_ERROR(sweep->RestoreRun(run, *it->second));
  }
  return sweep;
}

Status Sweep::RestoreRun(RunState& run, const results::RunRecord& record) {
  auto hash = record.attributes.find("config_hash");
  auto expected = run.spec.attributes.find("config_hash");
  if (hash != record.attributes.end() && expected != run.spec.attributes.end() &&
      hash->second != expected->second) {
    return FailedPreconditionError("run " + run.spec.id +
                                   ": its settings changed since the archive was written; "
                                   "resume with the grid it was started with");
  }
  run.state = record.state;
  run.error = record.error;
  run.stats = record.stats;
  run.snapshots = record.snapshots;
  run.pareto_front = record.pareto_front;
  run.final_individual = record.final_individual;
  run.worker_evaluations = record.evaluations;
  run.cache_hits = record.cache_hits;
  run.wall_seconds_before = record.wall_seconds;
  run.started = std::chrono::steady_clock::now();
  if (run.state == "done" || run.state == "failed") return Status::Ok();
  if (run.state == "finalizing") {
    run.final_output_requested = false;  // ask again: the output never arrived
    return Status::Ok();
  }
  return DecodeEngineState(run, record.engine_state).WithContext("run " + run.spec.id);
}

bool Sweep::Active(const RunState& run) const {
  return run.state == "running" || run.state == "finalizing";
}

bool Sweep::Finished() const {
  for (const RunState& run : runs_) {
    if (Active(run)) return false;
  }
  return true;
}

bool Sweep::TicketLive(int64_t ticket) const {
  auto it = tickets_.find(ticket);
  return it != tickets_.end() && Active(runs_[it->second.run]);
}

void Sweep::FailRun(int64_t run_index, const std::string& message) {
  RunState& run = runs_.at(run_index);
  if (!Active(run)) return;
  spdlog::error("run {} failed: {}", run.spec.id, message);
  run.state = "failed";
  run.error = message;
  run.wall_seconds_before = WallSeconds(run);
  ++version_;
}

double Sweep::WallSeconds(const RunState& run) const {
  if (!Active(run)) return run.wall_seconds_before;
  return run.wall_seconds_before +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - run.started).count();
}

std::optional<PendingBatch> Sweep::TakeBatch(int max_count,
                                             const std::set<std::string>& preferred) {
  const size_t n = runs_.size();
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t step = 0; step < n; ++step) {
      const size_t first = (cursor_ + step) % n;
      if (!Active(runs_[first])) continue;
      const std::string& key = runs_[first].spec.setup.model.key();
      if (pass == 0 && preferred.count(key) == 0) continue;

      PendingBatch batch;
      batch.model_key = key;
      std::vector<std::vector<double>> genomes;
      std::map<std::string, int> target_slots;
      // This run first, then the others sharing its model, until the batch is full.
      for (size_t k = 0; k < n && static_cast<int>(batch.tickets.size()) < max_count; ++k) {
        const size_t r = (first + k) % n;
        RunState& run = runs_[r];
        if (!Active(run) || run.spec.setup.model.key() != key) continue;
        const size_t before = batch.tickets.size();
        Gather(static_cast<int>(r), max_count - static_cast<int>(batch.tickets.size()),
               &batch.tickets, &genomes);
        if (batch.tickets.size() == before) continue;
        batch.runs.insert(static_cast<int64_t>(r));
        const v1::Target& target = run.spec.setup.target;
        auto [slot, inserted] =
            target_slots.emplace(target.id(), static_cast<int>(target_slots.size()));
        if (inserted) *batch.assign.add_targets() = target;
        for (size_t i = before; i < batch.tickets.size(); ++i) {
          batch.assign.add_target_index(slot->second);
          if (tickets_.at(batch.tickets[i]).final_output) {
            batch.assign.add_keep_outputs(static_cast<uint32_t>(i));
          }
        }
        if (run.spec.setup.objective_names.size() == 2) batch.assign.set_want_discriminator(true);
      }
      if (batch.tickets.empty()) continue;
      *batch.assign.mutable_model() = runs_[first].spec.setup.model;
      std::vector<const std::vector<double>*> pointers;
      for (const auto& g : genomes) pointers.push_back(&g);
      wire::PackLatents(runs_[first].spec.setup.layout, pointers, batch.assign.mutable_latents());
      cursor_ = (first + 1) % n;
      return batch;
    }
  }
  return std::nullopt;
}

void Sweep::Gather(int run_index, int max_count, std::vector<int64_t>* tickets,
                   std::vector<std::vector<double>>* genomes) {
  RunState& run = runs_[run_index];
  int taken = 0;
  if (run.state == "finalizing") {
    if (!run.final_output_requested && run.final_individual) {
      run.final_output_requested = true;
      const int64_t ticket = next_ticket_++;
      tickets_[ticket] = Ticket{run_index, {}, true};
      tickets->push_back(ticket);
      genomes->push_back(run.final_individual->genome);
    }
    return;
  }
  while (taken < max_count && run.state == "running") {
    std::vector<ga::Candidate> candidates = run.engine->Ask(max_count - taken);
    if (candidates.empty()) break;
    for (ga::Candidate& candidate : candidates) {
      const GenomeDigest key = DigestGenome(candidate.genes);
      if (auto hit = run.cache.find(key); hit != run.cache.end()) {
        ++run.cache_hits;
        Tell(run, candidate.id, hit->second);
        continue;
      }
      if (auto waiting = run.in_flight.find(key); waiting != run.in_flight.end()) {
        ++run.cache_hits;  // answered by the evaluation already on its way
        waiting->second.push_back(candidate.id);
        continue;
      }
      run.in_flight[key] = {candidate.id};
      const int64_t ticket = next_ticket_++;
      tickets_[ticket] = Ticket{run_index, key, false};
      tickets->push_back(ticket);
      genomes->push_back(std::move(candidate.genes));
      ++taken;
    }
  }
}

void Sweep::Complete(int64_t ticket, const Evaluation& evaluation) {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end()) return;
  Ticket t = std::move(it->second);
  tickets_.erase(it);
  RunState& run = runs_[t.run];
  if (!Active(run)) return;
  ++version_;
  if (t.final_output) {
    if (evaluation.output) {
      run.final_individual->caption = evaluation.output->caption();
      if (!evaluation.output->png().empty()) {
        StatusOr<RgbImage> image =
            DecodePng(evaluation.output->png(), "final image of run " + run.spec.id);
        if (!image.ok()) {
          FailRun(t.run, image.status().message());
          return;
        }
        run.final_individual->image = {image->width, image->height, std::move(image->rgb)};
      }
    }
    run.wall_seconds_before = WallSeconds(run);
    run.state = "done";
    spdlog::info("run {} done", run.spec.id);
    return;
  }
  std::vector<double> told = {evaluation.similarity};
  if (run.spec.setup.objective_names.size() == 2) {
    told.push_back(evaluation.discriminator_loss.value_or(std::nan("")));
  }
  ++run.worker_evaluations;
  run.cache[t.key] = told;
  std::vector<uint64_t> ids = std::move(run.in_flight[t.key]);
  run.in_flight.erase(t.key);
  for (uint64_t id : ids) {
    if (run.state != "running") break;
    Tell(run, id, told);
  }
}

void Sweep::Tell(RunState& run, uint64_t id, const std::vector<double>& told) {
  Status status = run.engine->Tell(id, told);
  if (!status.ok()) {
    FailRun(&run - runs_.data(), "GA rejected a result: " + status.message());
    return;
  }
  AfterTell(run);
}

void Sweep::AfterTell(RunState& run) {
  // Record each island's population once per generation, after its migration (an island
  // waiting for immigrants is recorded once they arrived).
  for (int i = 0; i < run.engine->num_islands(); ++i) {
    const ga::Algorithm& island = run.engine->island(i);
    IslandHistory& history = run.islands[i];
    if (island.generation() > history.recorded &&
        island.phase() != ga::Phase::kAwaitingImmigrants) {
      history.recorded = island.generation();
      history.generations[island.generation()] = island.population();
    }
  }
  ConsumeGenerations(run);
}

void Sweep::ConsumeGenerations(RunState& run) {
  const ga::GaConfig& config = run.spec.setup.ga;
  while (run.state == "running") {
    const int g = static_cast<int>(run.stats.size()) + 1;
    std::vector<const ga::Population*> islands;
    std::vector<int32_t> island_of;
    for (size_t i = 0; i < run.islands.size(); ++i) {
      auto it = run.islands[i].generations.find(g);
      if (it == run.islands[i].generations.end()) return;
      islands.push_back(&it->second);
      island_of.insert(island_of.end(), it->second.size(), static_cast<int32_t>(i));
    }
    const ga::Population merged = MergeIslands(islands);
    results::GenerationStats s;
    s.generation = g;
    std::vector<double> similarity;
    std::vector<double> loss;
    for (int i = 0; i < merged.size(); ++i) {
      similarity.push_back(ga::FromMinimized(config.direction(0), merged.f(i)[0]));
      if (merged.num_objectives == 2) loss.push_back(merged.f(i)[1]);
    }
    auto mean = [](const std::vector<double>& v) {
      return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    };
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      const size_t m = v.size() / 2;
      return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
    };
    s.best_similarity = *std::max_element(similarity.begin(), similarity.end());
    s.mean_similarity = mean(similarity);
    s.median_similarity = median(similarity);
    if (!loss.empty()) {
      s.best_discriminator_loss = *std::min_element(loss.begin(), loss.end());
      s.mean_discriminator_loss = mean(loss);
      s.hypervolume = ga::Hypervolume2D(merged.objectives, kHypervolumeReference);
    }
    int64_t evaluations = 0;
    for (int i = 0; i < run.engine->num_islands(); ++i) {
      evaluations += static_cast<int64_t>(config.pop_size) +
                     static_cast<int64_t>(g - 1) * config.offspring_per_generation();
    }
    s.evaluations = evaluations;
    s.wall_seconds = WallSeconds(run);
    run.stats.push_back(s);
    for (IslandHistory& h : run.islands) h.generations.erase(g);
    ++version_;

    const bool last = g >= config.max_generations ||
                      (run.spec.max_evaluations > 0 && evaluations >= run.spec.max_evaluations);
    if ((run.spec.save_every > 0 && g % run.spec.save_every == 0) || last) {
      run.snapshots.push_back(ToArchive(merged, config, island_of, g));
    }
    if (last) Finish(run, merged, g);
  }
}

void Sweep::Finish(RunState& run, const ga::Population& merged, int generation) {
  const ga::GaConfig& config = run.spec.setup.ga;
  StatusOr<ga::FinalDecision> decision =
      ga::DecideFinal(config.algorithm, merged, run.spec.setup.final_weights);
  if (!decision.ok()) {
    FailRun(&run - runs_.data(), "final decision: " + decision.status().message());
    return;
  }
  results::FinalIndividual final;
  const int i = decision->index;
  final.genome.assign(merged.x(i).begin(), merged.x(i).end());
  for (int k = 0; k < merged.num_objectives; ++k) {
    final.objectives.push_back(ga::FromMinimized(config.direction(k), merged.f(i)[k]));
  }
  run.final_individual = std::move(final);
  if (merged.num_objectives == 2) {
    const std::vector<int> front = ga::ParetoFront(merged);
    const ga::Population front_population = merged.Select(front);
    std::vector<int32_t> island(front.size(), 0);
    run.pareto_front = ToArchive(front_population, config, island, generation);
  }
  run.engine.reset();
  run.islands.clear();
  run.cache.clear();
  run.in_flight.clear();
  run.state = "finalizing";
  ++version_;
}

int Sweep::RunsDone() const {
  return static_cast<int>(std::count_if(runs_.begin(), runs_.end(),
                                        [](const RunState& r) { return r.state == "done"; }));
}

int Sweep::RunsFailed() const {
  return static_cast<int>(std::count_if(runs_.begin(), runs_.end(),
                                        [](const RunState& r) { return r.state == "failed"; }));
}

std::pair<int64_t, int64_t> Sweep::GenerationProgress() const {
  int64_t done = 0, total = 0;
  for (const RunState& run : runs_) {
    done += static_cast<int64_t>(run.stats.size());
    total += run.spec.setup.ga.max_generations;
  }
  return {done, total};
}

void Sweep::FillStatus(v1::StatusReply* reply) const {
  reply->set_sweep_name(input_.name);
  reply->set_runs_total(static_cast<uint32_t>(runs_.size()));
  reply->set_runs_done(static_cast<uint32_t>(RunsDone()));
  int64_t evaluations = 0, hits = 0;
  for (const RunState& run : runs_) {
    evaluations += run.worker_evaluations;
    hits += run.cache_hits;
    v1::RunStatus* status = reply->add_runs();
    status->set_run_id(run.spec.id);
    status->set_generation(static_cast<uint32_t>(run.stats.size()));
    status->set_generations_total(static_cast<uint32_t>(run.spec.setup.ga.max_generations));
    status->set_best_similarity(
        run.stats.empty() ? 0.0f : static_cast<float>(run.stats.back().best_similarity));
    status->set_state(run.state);
  }
  reply->set_evaluations(static_cast<uint64_t>(evaluations));
  reply->set_cache_hit_rate(
      evaluations + hits == 0 ? 0.0 : static_cast<double>(hits) / (evaluations + hits));
}

results::SweepRecord Sweep::Record() const {
  results::SweepRecord sweep;
  sweep.name = input_.name;
  sweep.grid_path = input_.grid_path;
  sweep.grid_yaml = input_.grid_yaml;
  sweep.state = Finished() ? "done" : "running";
  for (const RunState& run : runs_) {
    results::RunRecord r;
    r.id = run.spec.id;
    r.index = run.spec.index;
    r.attributes = run.spec.attributes;
    r.config_yaml = run.spec.config_yaml;
    r.state = run.state;
    r.error = run.error;
    r.generations_done = static_cast<int64_t>(run.stats.size());
    r.generations_total = run.spec.setup.ga.max_generations;
    r.evaluations = run.worker_evaluations;
    r.cache_hits = run.cache_hits;
    r.wall_seconds = WallSeconds(run);
    r.objective_names = run.spec.setup.objective_names;
    r.stats = run.stats;
    r.snapshots = run.snapshots;
    r.pareto_front = run.pareto_front;
    r.final_individual = run.final_individual;
    if (run.state == "running") r.engine_state = EncodeEngineState(run);
    sweep.runs.push_back(std::move(r));
  }
  return sweep;
}

std::vector<uint8_t> Sweep::EncodeEngineState(const RunState& run) const {
  ByteWriter w;
  w.U64(kEngineStateVersion);
  const ga::IslandModelState state = run.engine->Export();
  w.U64(state.islands.size());
  for (const ga::AlgorithmState& a : state.islands) {
    for (uint64_t word : a.rng.words) w.U64(word);
    w.I64(a.generation);
    w.U64(a.next_id);
    w.I64(a.evaluations);
    w.I64(static_cast<int64_t>(a.phase));
    WritePopulation(w, a.population);
    w.U64(a.batch_is_initial ? 1 : 0);
    w.U64(a.batch_first_id);
    w.Doubles(a.batch_genes);
    w.Doubles(a.batch_objectives);
    w.U8s(a.batch_told);
  }
  w.U64(state.snapshots.size());
  for (const ga::MigrantSnapshot& s : state.snapshots) {
    w.I64(s.island);
    w.I64(s.generation);
    w.U64(s.members.size());
    for (const ga::Member& m : s.members) {
      w.Doubles(m.genes);
      w.Doubles(m.objectives);
    }
  }
  w.I64(state.ask_cursor);
  // The sweep's own per-island records not yet turned into statistics.
  w.U64(run.islands.size());
  for (const IslandHistory& h : run.islands) {
    w.I64(h.recorded);
    w.U64(h.generations.size());
    for (const auto& [g, population] : h.generations) {
      w.I64(g);
      WritePopulation(w, population);
    }
  }
  return w.Take();
}

Status Sweep::DecodeEngineState(RunState& run, const std::vector<uint8_t>& bytes) {
  ByteReader r(bytes);
  if (r.U64() != kEngineStateVersion) {
    return DataLossError("engine_state has an unknown layout version");
  }
  ga::IslandModelState state;
  const uint64_t islands = r.U64();
  for (uint64_t i = 0; i < islands && r.ok(); ++i) {
    ga::AlgorithmState a;
    for (uint64_t& word : a.rng.words) word = r.U64();
    a.generation = static_cast<int>(r.I64());
    a.next_id = r.U64();
    a.evaluations = r.I64();
    a.phase = static_cast<ga::Phase>(r.I64());
    a.population = ReadPopulation(r);
    a.batch_is_initial = r.U64() != 0;
    a.batch_first_id = r.U64();
    a.batch_genes = r.Doubles();
    a.batch_objectives = r.Doubles();
    a.batch_told = r.U8s();
    state.islands.push_back(std::move(a));
  }
  const uint64_t snapshots = r.U64();
  for (uint64_t i = 0; i < snapshots && r.ok(); ++i) {
    ga::MigrantSnapshot s;
    s.island = static_cast<int>(r.I64());
    s.generation = static_cast<int>(r.I64());
    const uint64_t members = r.U64();
    for (uint64_t m = 0; m < members && r.ok(); ++m) {
      ga::Member member;
      member.genes = r.Doubles();
      member.objectives = r.Doubles();
      s.members.push_back(std::move(member));
    }
    state.snapshots.push_back(std::move(s));
  }
  state.ask_cursor = static_cast<int>(r.I64());
  const uint64_t histories = r.U64();
  std::vector<IslandHistory> history;
  for (uint64_t i = 0; i < histories && r.ok(); ++i) {
    IslandHistory h;
    h.recorded = static_cast<int>(r.I64());
    const uint64_t n = r.U64();
    for (uint64_t k = 0; k < n && r.ok(); ++k) {
      const int g = static_cast<int>(r.I64());
      h.generations[g] = ReadPopulation(r);
    }
    history.push_back(std::move(h));
  }
  CG_RETURN_IF_ERROR(r.status("engine_state"));
  if (!r.AtEnd()) return DataLossError("engine_state has trailing bytes");
  CG_ASSIGN_OR_RETURN(
      ga::IslandModel engine,
      ga::IslandModel::Restore(run.spec.setup.ga, run.spec.setup.islands, run.spec.seed, state));
  if (history.size() != static_cast<size_t>(engine.num_islands())) {
    return DataLossError("engine_state island count does not match the run's settings");
  }
  run.engine = std::move(engine);
  run.islands = std::move(history);
  return Status::Ok();
}

}  // namespace clipglass::coordinator
