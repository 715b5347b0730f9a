// Hands batches to workers under leases, takes their results back, and re-queues what is lost.
//
// Thread-safe: one gRPC stream thread per worker calls NextAssignment/HandleResult concurrently,
// plus a timer calling ExpireLeases. All state, the WorkSource included, is guarded by one mutex:
// per-result work is a few microseconds of GA bookkeeping, far below any evaluation's cost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "coordinator/runtime/work_source.h"
#include "proto/clipglass.pb.h"

namespace clipglass::coordinator {

struct SchedulerOptions {
  // A batch not answered within this time is re-queued for another worker.
  std::chrono::milliseconds lease_timeout{std::chrono::minutes(5)};
  // Batches a worker may hold at once (the second hides the round trip of the next assignment).
  int max_in_flight_per_worker = 2;
  // After this many failures of one batch (worker errors, rejected results), its runs fail.
  int max_attempts_per_batch = 3;
};

struct WorkerInfo {
  std::string id;
  std::string device;
  std::string device_name;
  int preferred_batch_size = 16;
  std::set<std::string> loaded_models;
};

struct SchedulerCounters {
  int64_t evaluations = 0;  // individuals answered by workers
  int64_t batches_done = 0;
  int64_t batches_requeued = 0;  // leases expired or workers lost
  int64_t results_dropped = 0;   // late or duplicate results
  int64_t results_rejected = 0;  // malformed results (wrong length, NaN/Inf)
  int workers = 0;
};

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;

  Scheduler(WorkSource* source, SchedulerOptions options);

  void AddWorker(const WorkerInfo& worker);
  // The worker's stream ended: its leases are re-queued and its NextAssignment call returns.
  void RemoveWorker(const std::string& worker_id);

  // Blocks until there is a batch for this worker; std::nullopt when the sweep is finished, the
  // worker was removed, or Shutdown() was called. The returned Assign carries batch id, lease id
  // and deadline.
  std::optional<v1::Assign> NextAssignment(const std::string& worker_id);

  // Validates and applies a result. A late or duplicate result (unknown lease) is dropped with OK
  // status; a malformed one is rejected (the batch is re-queued) with an error naming the worker.
  // With `next`, an accepted result also takes the worker's next batch if one is ready (else
  // std::nullopt), for the caller to send; the worker's waiting NextAssignment is then not woken
  // for this result, which saves a thread wake-up per batch on the stream.
  Status HandleResult(const std::string& worker_id, const v1::Result& result,
                      std::optional<v1::Assign>* next = nullptr);
  // The worker could not evaluate a batch: re-queue it, or fail its runs when `permanent` or when
  // it failed too often.
  void HandleFailure(const std::string& worker_id, const v1::Failure& failure);

  // Re-queues batches whose lease deadline has passed. Returns how many.
  int ExpireLeases(Clock::time_point now);

  // Wakes every waiting NextAssignment (e.g. after the WorkSource changed from outside).
  void Wake();
  // Makes every NextAssignment return std::nullopt from now on.
  void Shutdown();

  bool Finished() const;
  SchedulerCounters Counters() const;
  std::vector<WorkerInfo> Workers() const;
  // "id device device-name" of every worker that ever joined, for the archive's provenance.
  std::vector<std::string> SeenWorkers() const;

  // Runs `fn` under the scheduler's lock, for reading or checkpointing the WorkSource.
  template <typename Fn>
  auto WithLock(Fn&& fn) const {
    std::lock_guard<std::mutex> lock(mu_);
    return fn();
  }

 private:
  struct Batch {
    PendingBatch pending;
    uint64_t lease_id = 0;
    std::string worker_id;  // empty while queued
    Clock::time_point deadline;
    int attempts = 0;
  };
  struct WorkerState {
    WorkerInfo info;
    std::set<uint64_t> batches;  // held now
    bool removed = false;
    // This worker's NextAssignment waits here. One per worker, not one for all: a result then
    // wakes only the workers that can take work, not every stream thread (at 64 workers a
    // shared condition variable cost 64 wake-ups per batch).
    std::shared_ptr<std::condition_variable> wake = std::make_shared<std::condition_variable>();
  };

  // REQUIRES: mu_ held. A batch leased to the worker if it has room and one is ready.
  std::optional<v1::Assign> AssignLocked(WorkerState& worker);
  // REQUIRES: mu_ held. A queued or fresh batch for the worker, preferring its models.
  std::optional<uint64_t> PickBatchLocked(WorkerState& worker);
  void RequeueLocked(uint64_t batch_id);
  void FailBatchLocked(Batch& batch, const std::string& message);
  bool FinishedLocked() const;
  bool HasLiveTicketLocked(const Batch& batch) const;
  // REQUIRES: mu_ held. Wake the workers with room for another batch (but `except`) / every
  // worker.
  void WakeIdleLocked(const WorkerState* except = nullptr);
  void WakeAllLocked();

  WorkSource* const source_;
  const SchedulerOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, WorkerState> workers_;  // GUARDED_BY(mu_)
  std::map<uint64_t, Batch> batches_;           // GUARDED_BY(mu_): queued or leased
  std::deque<uint64_t> queue_;                  // GUARDED_BY(mu_): batches waiting for a worker
  uint64_t next_batch_id_ = 1;                  // GUARDED_BY(mu_)
  uint64_t next_lease_id_ = 1;                  // GUARDED_BY(mu_)
  bool shutdown_ = false;                       // GUARDED_BY(mu_)
  SchedulerCounters counters_;                  // GUARDED_BY(mu_)
  std::set<std::string> seen_workers_;          // GUARDED_BY(mu_)
};

}  // namespace clipglass::coordinator
