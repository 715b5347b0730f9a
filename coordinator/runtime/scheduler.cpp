#include "coordinator/runtime/scheduler.h"

#include <spdlog/spdlog.h>

#include <cmath>

namespace clipglass::coordinator {

Scheduler::Scheduler(WorkSource* source, SchedulerOptions options)
    : source_(source), options_(options) {}

void Scheduler::AddWorker(const WorkerInfo& worker) {
  std::lock_guard<std::mutex> lock(mu_);
  WorkerState& state = workers_[worker.id];
  state.info = worker;
  state.batches.clear();
  state.removed = false;
  seen_workers_.insert(worker.id + " " + worker.device + " " + worker.device_name);
  counters_.workers = static_cast<int>(workers_.size());
}

void Scheduler::RemoveWorker(const std::string& worker_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return;
  const std::set<uint64_t> held = it->second.batches;  // RequeueLocked edits the original
  for (uint64_t batch_id : held) {
    spdlog::warn("worker {} left holding batch {}: re-queued", worker_id, batch_id);
    RequeueLocked(batch_id);
  }
  it->second.wake->notify_all();  // its NextAssignment returns: the worker is gone
  workers_.erase(it);
  counters_.workers = static_cast<int>(workers_.size());
  WakeIdleLocked();  // its batches are back in the queue
}

std::optional<v1::Assign> Scheduler::NextAssignment(const std::string& worker_id) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    auto it = workers_.find(worker_id);
    if (shutdown_ || it == workers_.end() || FinishedLocked()) return std::nullopt;
    if (std::optional<v1::Assign> assign = AssignLocked(it->second)) return assign;
    const std::shared_ptr<std::condition_variable> wake = it->second.wake;  // outlives an erase
    wake->wait(lock);
  }
}

std::optional<v1::Assign> Scheduler::AssignLocked(WorkerState& worker) {
  if (static_cast<int>(worker.batches.size()) >= options_.max_in_flight_per_worker) {
    return std::nullopt;
  }
  std::optional<uint64_t> batch_id = PickBatchLocked(worker);
  if (!batch_id) return std::nullopt;
  Batch& batch = batches_.at(*batch_id);
  batch.worker_id = worker.info.id;
  batch.lease_id = next_lease_id_++;
  batch.deadline = Clock::now() + options_.lease_timeout;
  ++batch.attempts;
  worker.batches.insert(*batch_id);
  worker.info.loaded_models.insert(batch.pending.model_key);
  v1::Assign assign = batch.pending.assign;
  assign.set_batch_id(*batch_id);
  assign.set_lease_id(batch.lease_id);
  const auto wall_deadline = std::chrono::system_clock::now() + options_.lease_timeout;
  assign.set_lease_deadline_unix_millis(
      std::chrono::duration_cast<std::chrono::milliseconds>(wall_deadline.time_since_epoch())
          .count());
  return assign;
}

std::optional<uint64_t> Scheduler::PickBatchLocked(WorkerState& worker) {
  // Re-queued batches first, those of a model the worker holds before others.
  // Batches whose runs all failed meanwhile are dropped.
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (HasLiveTicketLocked(batches_.at(*it))) {
      ++it;
    } else {
      batches_.erase(*it);
      it = queue_.erase(it);
    }
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      const Batch& batch = batches_.at(*it);
      if (pass == 0 && worker.info.loaded_models.count(batch.pending.model_key) == 0) continue;
      const uint64_t id = *it;
      queue_.erase(it);
      return id;
    }
  }
  std::optional<PendingBatch> pending =
      source_->TakeBatch(worker.info.preferred_batch_size, worker.info.loaded_models);
  if (!pending) return std::nullopt;
  const uint64_t id = next_batch_id_++;
  batches_[id].pending = std::move(*pending);
  return id;
}

void Scheduler::RequeueLocked(uint64_t batch_id) {
  auto it = batches_.find(batch_id);
  if (it == batches_.end()) return;
  Batch& batch = it->second;
  if (!batch.worker_id.empty()) {
    auto worker = workers_.find(batch.worker_id);
    if (worker != workers_.end()) worker->second.batches.erase(batch_id);
  }
  batch.worker_id.clear();
  batch.lease_id = 0;  // any answer to the old lease is now late
  ++counters_.batches_requeued;
  queue_.push_back(batch_id);
}

void Scheduler::FailBatchLocked(Batch& batch, const std::string& message) {
  for (int64_t run : batch.pending.runs) source_->FailRun(run, message);
}

Status Scheduler::HandleResult(const std::string& worker_id, const v1::Result& result,
                               std::optional<v1::Assign>* next) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = batches_.find(result.batch_id());
  if (it == batches_.end() || it->second.lease_id != result.lease_id() ||
      it->second.worker_id != worker_id) {
    ++counters_.results_dropped;
    spdlog::debug("dropped late or duplicate result for batch {} lease {} from {}",
                  result.batch_id(), result.lease_id(), worker_id);
    return Status::Ok();
  }
  Batch& batch = it->second;
  const size_t count = batch.pending.tickets.size();
  std::string problem;
  if (static_cast<size_t>(result.similarity_size()) != count) {
    problem = "similarity has " + std::to_string(result.similarity_size()) + " values for " +
              std::to_string(count) + " individuals";
  } else if (batch.pending.assign.want_discriminator() &&
             static_cast<size_t>(result.discriminator_loss_size()) != count) {
    problem = "discriminator_loss has " + std::to_string(result.discriminator_loss_size()) +
              " values for " + std::to_string(count) + " individuals";
  } else {
    for (float v : result.similarity()) {
      if (!std::isfinite(v)) problem = "non-finite similarity";
    }
    for (float v : result.discriminator_loss()) {
      if (!std::isfinite(v)) problem = "non-finite discriminator_loss";
    }
  }
  for (const v1::Output& output : result.outputs()) {
    if (output.index() >= count) problem = "output index out of range";
  }
  if (!problem.empty()) {
    ++counters_.results_rejected;
    const std::string message = "worker " + worker_id + " sent a malformed result for batch " +
                                std::to_string(result.batch_id()) + ": " + problem;
    spdlog::error("{}", message);
    if (batch.attempts >= options_.max_attempts_per_batch) {
      FailBatchLocked(batch, message);
      workers_[worker_id].batches.erase(result.batch_id());
      batches_.erase(it);
    } else {
      RequeueLocked(result.batch_id());
    }
    WakeIdleLocked();
    return InvalidArgumentError(message);
  }

  std::map<uint32_t, const v1::Output*> outputs;
  for (const v1::Output& output : result.outputs()) outputs[output.index()] = &output;
  for (size_t i = 0; i < count; ++i) {
    const int64_t ticket = batch.pending.tickets[i];
    if (!source_->TicketLive(ticket)) continue;
    Evaluation evaluation;
    evaluation.similarity = result.similarity(static_cast<int>(i));
    if (batch.pending.assign.want_discriminator()) {
      evaluation.discriminator_loss = result.discriminator_loss(static_cast<int>(i));
    }
    if (auto o = outputs.find(static_cast<uint32_t>(i)); o != outputs.end()) {
      evaluation.output = *o->second;
    }
    source_->Complete(ticket, evaluation);
  }
  counters_.evaluations += static_cast<int64_t>(count);
  ++counters_.batches_done;
  WorkerState& worker = workers_[worker_id];
  worker.batches.erase(result.batch_id());
  batches_.erase(it);
  // This worker has room again, and the results may have made new batches. The caller that asked
  // for `next` hands this worker its next batch itself, so its own writer is not woken.
  const WorkerState* answered = nullptr;
  if (next != nullptr && !shutdown_ && !FinishedLocked()) {
    *next = AssignLocked(worker);
    answered = &worker;
  }
  WakeIdleLocked(answered);
  return Status::Ok();
}

void Scheduler::HandleFailure(const std::string& worker_id, const v1::Failure& failure) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = batches_.find(failure.batch_id());
    if (it == batches_.end() || it->second.lease_id != failure.lease_id()) return;
    Batch& batch = it->second;
    spdlog::error("worker {} failed batch {}: {}", worker_id, failure.batch_id(),
                  failure.message());
    if (failure.permanent() || batch.attempts >= options_.max_attempts_per_batch) {
      FailBatchLocked(batch, failure.message());
      workers_[worker_id].batches.erase(failure.batch_id());
      batches_.erase(it);
    } else {
      RequeueLocked(failure.batch_id());
    }
    WakeIdleLocked();
  }
}

int Scheduler::ExpireLeases(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  int expired = 0;
  std::vector<uint64_t> overdue;
  for (const auto& [id, batch] : batches_) {
    if (!batch.worker_id.empty() && batch.deadline <= now) overdue.push_back(id);
  }
  for (uint64_t id : overdue) {
    spdlog::warn("lease of batch {} on worker {} expired: re-queued", id,
                 batches_.at(id).worker_id);
    RequeueLocked(id);
    ++expired;
  }
  if (expired > 0) WakeIdleLocked();
  return expired;
}

void Scheduler::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  WakeAllLocked();
}

void Scheduler::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  WakeAllLocked();
}

void Scheduler::WakeIdleLocked(const WorkerState* except) {
  // A finished sweep must reach every waiting stream, busy or not.
  if (shutdown_ || FinishedLocked()) return WakeAllLocked();
  for (auto& [id, worker] : workers_) {
    if (&worker != except &&
        static_cast<int>(worker.batches.size()) < options_.max_in_flight_per_worker) {
      worker.wake->notify_one();
    }
  }
}

void Scheduler::WakeAllLocked() {
  for (auto& [id, worker] : workers_) worker.wake->notify_all();
}

bool Scheduler::HasLiveTicketLocked(const Batch& batch) const {
  for (int64_t ticket : batch.pending.tickets) {
    if (source_->TicketLive(ticket)) return true;
  }
  return false;
}

bool Scheduler::FinishedLocked() const {
  if (!source_->Finished()) return false;
  for (const auto& [id, batch] : batches_) {
    if (HasLiveTicketLocked(batch)) return false;
  }
  return true;
}

bool Scheduler::Finished() const {
  std::lock_guard<std::mutex> lock(mu_);
  return FinishedLocked();
}

SchedulerCounters Scheduler::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

std::vector<WorkerInfo> Scheduler::Workers() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WorkerInfo> result;
  for (const auto& [id, state] : workers_) result.push_back(state.info);
  return result;
}

}  // namespace clipglass::coordinator

namespace clipglass::coordinator {

std::vector<std::string> Scheduler::SeenWorkers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {seen_workers_.begin(), seen_workers_.end()};
}

}  // namespace clipglass::coordinator
