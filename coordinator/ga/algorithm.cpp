#include "coordinator/ga/algorithm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "coordinator/ga/duplicates.h"
#include "coordinator/ga/mating.h"
#include "coordinator/ga/survival.h"

namespace clipglass::ga {

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kEvaluating:
      return "evaluating";
    case Phase::kAwaitingImmigrants:
      return "awaiting_immigrants";
    case Phase::kFinished:
      return "finished";
  }
  return "unknown";
}

StatusOr<Algorithm> Algorithm::Create(GaConfig config, uint64_t seed) {
  CG_RETURN_IF_ERROR(ValidateGaConfig(config));
  Algorithm algo(std::move(config), Rng(seed));
  algo.pop_ = Population(algo.config_.space.num_genes(), algo.config_.num_objectives);
  algo.StartBatch(SampleInitial(algo.config_, algo.rng_), /*initial=*/true);
  return algo;
}

StatusOr<Algorithm> Algorithm::Restore(GaConfig config, const AlgorithmState& s) {
  CG_RETURN_IF_ERROR(ValidateGaConfig(config));
  CG_ASSIGN_OR_RETURN(Rng rng, Rng::FromState(s.rng));
  const int g = config.space.num_genes();
  const int m = config.num_objectives;
  const Population& p = s.population;
  const size_t n = p.ids.size();
  if (p.num_genes != g || p.num_objectives != m || p.genes.size() != n * g ||
      p.objectives.size() != n * m || p.rank.size() != n || p.crowding.size() != n) {
    return InvalidArgumentError(fmt::format(
        "algorithm state: population shape does not match the config ({} genes, {} objectives)", g,
        m));
  }
  for (size_t i = 0; i < n; ++i) {
    Status st = CheckGenome(config.space, p.x(static_cast<int>(i)));
    if (!st.ok()) return st.WithContext(fmt::format("algorithm state: population member {}", i));
  }
  const size_t b = s.batch_told.size();
  if (s.batch_genes.size() != b * g || s.batch_objectives.size() != b * m) {
    return InvalidArgumentError("algorithm state: batch arrays have inconsistent sizes");
  }
  if ((s.phase == Phase::kEvaluating) != (b > 0)) {
    return InvalidArgumentError(
        fmt::format("algorithm state: phase '{}' with a batch of {}", PhaseName(s.phase), b));
  }
  if (s.generation < 0 || (s.generation == 0) != s.batch_is_initial ||
      (s.generation > 0 && n == 0)) {
    return InvalidArgumentError(fmt::format(
        "algorithm state: generation {} is inconsistent with the population", s.generation));
  }
  if (b > 0 && s.batch_first_id + b > s.next_id) {
    return InvalidArgumentError("algorithm state: batch ids beyond next_id");
  }
  Algorithm algo(std::move(config), rng);
  algo.generation_ = s.generation;
  algo.next_id_ = s.next_id;
  algo.evaluations_ = s.evaluations;
  algo.phase_ = s.phase;
  algo.pop_ = s.population;
  algo.batch_is_initial_ = s.batch_is_initial;
  algo.batch_first_id_ = s.batch_first_id;
  algo.batch_genes_ = s.batch_genes;
  algo.batch_objectives_ = s.batch_objectives;
  algo.batch_told_ = s.batch_told;
  algo.batch_told_count_ =
      static_cast<int>(std::count(s.batch_told.begin(), s.batch_told.end(), 1));
  algo.next_to_hand_out_ = 0;
  return algo;
}

AlgorithmState Algorithm::Export() const {
  AlgorithmState s;
  s.rng = rng_.state();
  s.generation = generation_;
  s.next_id = next_id_;
  s.evaluations = evaluations_;
  s.phase = phase_;
  s.population = pop_;
  s.batch_is_initial = batch_is_initial_;
  s.batch_first_id = batch_first_id_;
  s.batch_genes = batch_genes_;
  s.batch_objectives = batch_objectives_;
  s.batch_told = batch_told_;
  return s;
}

int Algorithm::outstanding() const {
  return static_cast<int>(batch_told_.size()) - batch_told_count_;
}

void Algorithm::StartBatch(std::vector<double> genes, bool initial) {
  const int n = static_cast<int>(genes.size()) / config_.space.num_genes();
  batch_is_initial_ = initial;
  batch_first_id_ = next_id_;
  next_id_ += n;
  batch_genes_ = std::move(genes);
  // Untold slots hold 0 (not NaN) so that exported states compare equal with operator==.
  batch_objectives_.assign(static_cast<size_t>(n) * config_.num_objectives, 0.0);
  batch_told_.assign(n, 0);
  batch_told_count_ = 0;
  next_to_hand_out_ = 0;
  phase_ = n > 0 ? Phase::kEvaluating : Phase::kFinished;
}

std::vector<Candidate> Algorithm::Ask(int max_count) {
  std::vector<Candidate> out;
  if (phase_ != Phase::kEvaluating) return out;
  const int g = config_.space.num_genes();
  const int n = static_cast<int>(batch_told_.size());
  while (next_to_hand_out_ < n && static_cast<int>(out.size()) < max_count) {
    const int i = next_to_hand_out_++;
    if (batch_told_[i]) continue;
    Candidate c;
    c.id = batch_first_id_ + i;
    c.generation = generation_ + 1;
    c.genes.assign(batch_genes_.begin() + static_cast<ptrdiff_t>(i) * g,
                   batch_genes_.begin() + static_cast<ptrdiff_t>(i + 1) * g);
    out.push_back(std::move(c));
  }
  return out;
}

Status Algorithm::Tell(uint64_t id, std::span<const double> objectives) {
  const uint64_t n = batch_told_.size();
  if (phase_ != Phase::kEvaluating || id < batch_first_id_ || id >= batch_first_id_ + n) {
    return InvalidArgumentError(fmt::format(
        "result for genome {}: not in the batch being evaluated (unknown or stale id; generation "
        "{}, phase {})",
        id, generation_, PhaseName(phase_)));
  }
  const int m = config_.num_objectives;
  if (static_cast<int>(objectives.size()) != m) {
    return InvalidArgumentError(fmt::format(
        "result for genome {}: {} objective values, expected {}", id, objectives.size(), m));
  }
  for (int k = 0; k < m; ++k) {
    if (std::isnan(objectives[k])) {
      return InvalidArgumentError(fmt::format("result for genome {}: objective {} is NaN", id, k));
    }
  }
  const int i = static_cast<int>(id - batch_first_id_);
  if (batch_told_[i]) {
    return InvalidArgumentError(fmt::format("result for genome {}: duplicate result", id));
  }
  for (int k = 0; k < m; ++k) {
    batch_objectives_[static_cast<size_t>(i) * m + k] =
        ToMinimized(config_.direction(k), objectives[k]);
  }
  batch_told_[i] = 1;
  ++batch_told_count_;
  ++evaluations_;
  if (batch_told_count_ == static_cast<int>(n)) Advance();
  return Status::Ok();
}

void Algorithm::Advance() {
  const int g = config_.space.num_genes();
  const int m = config_.num_objectives;
  Population batch(g, m);
  const int n = static_cast<int>(batch_told_.size());
  batch.Reserve(n);
  for (int i = 0; i < n; ++i) {
    batch.Append(batch_first_id_ + i,
                 std::span<const double>(batch_genes_.data() + static_cast<size_t>(i) * g, g),
                 std::span<const double>(batch_objectives_.data() + static_cast<size_t>(i) * m, m));
  }
  batch_genes_.clear();
  batch_objectives_.clear();
  batch_told_.clear();
  batch_told_count_ = 0;
  next_to_hand_out_ = 0;
  if (batch_is_initial_) {
    // pymoo runs the survival on the initial population too, to set rank and crowding.
    const int size = batch.size();
    pop_ = Survive(config_.algorithm, std::move(batch), size, rng_);
    generation_ = 1;
    batch_is_initial_ = false;
  } else {
    pop_ = Survive(config_.algorithm, Merge(pop_, batch), config_.pop_size, rng_);
    ++generation_;
  }
  if (config_.max_generations > 0 && generation_ >= config_.max_generations) {
    phase_ = Phase::kFinished;
    return;
  }
  if (config_.migration_interval > 0 && generation_ % config_.migration_interval == 0) {
    phase_ = Phase::kAwaitingImmigrants;
    return;
  }
  MakeNextBatch();
}

void Algorithm::MakeNextBatch() {
  const int count = config_.offspring_per_generation();
  StartBatch(config_.random_search ? SampleGenomes(config_, pop_, count, rng_)
                                   : MakeOffspring(config_, pop_, count, rng_),
             /*initial=*/false);
}

std::vector<Member> Algorithm::Emigrants(int m) const {
  const std::vector<int> order = QualityOrder(config_.algorithm, pop_);
  std::vector<Member> out;
  for (int j = 0; j < m && j < static_cast<int>(order.size()); ++j) {
    const int i = order[j];
    out.push_back(
        Member{{pop_.x(i).begin(), pop_.x(i).end()}, {pop_.f(i).begin(), pop_.f(i).end()}});
  }
  return out;
}

StatusOr<int> Algorithm::Immigrate(const std::vector<Member>& immigrants) {
  if (phase_ != Phase::kAwaitingImmigrants) {
    return FailedPreconditionError(
        fmt::format("immigration at generation {} in phase {}", generation_, PhaseName(phase_)));
  }
  const int g = config_.space.num_genes();
  const int m = config_.num_objectives;
  for (size_t j = 0; j < immigrants.size(); ++j) {
    if (static_cast<int>(immigrants[j].genes.size()) != g ||
        static_cast<int>(immigrants[j].objectives.size()) != m) {
      return InvalidArgumentError(fmt::format("immigrant {}: shape does not match the config", j));
    }
    Status st = CheckGenome(config_.space, immigrants[j].genes);
    if (!st.ok()) return st.WithContext(fmt::format("immigrant {}", j));
  }
  std::vector<int> accepted;
  for (size_t j = 0; j < immigrants.size(); ++j) {
    bool dup = false;
    if (config_.eliminate_duplicates) {
      const std::span<const double> x = immigrants[j].genes;
      for (int i = 0; i < pop_.size() && !dup; ++i) {
        dup = IsNearDuplicate(x, pop_.x(i), config_.duplicate_epsilon);
      }
      for (int a : accepted) {
        if (dup) break;
        dup = IsNearDuplicate(x, immigrants[a].genes, config_.duplicate_epsilon);
      }
    }
    if (!dup) accepted.push_back(static_cast<int>(j));
  }
  const int k = std::min<int>(static_cast<int>(accepted.size()), pop_.size());
  const std::vector<int> order = QualityOrder(config_.algorithm, pop_);
  // The worst k members, worst first, take the accepted immigrants in order.
  for (int j = 0; j < k; ++j) {
    const int slot = order[order.size() - 1 - j];
    const Member& im = immigrants[accepted[j]];
    pop_.ids[slot] = next_id_++;
    std::copy(im.genes.begin(), im.genes.end(), pop_.x(slot).begin());
    std::copy(im.objectives.begin(), im.objectives.end(),
              pop_.objectives.begin() + static_cast<ptrdiff_t>(slot) * m);
  }
  if (k > 0) {
    const int size = pop_.size();
    pop_ = Survive(config_.algorithm, std::move(pop_), size, rng_);
  }
  MakeNextBatch();
  return k;
}

}  // namespace clipglass::ga
