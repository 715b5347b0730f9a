// The worker's side of the protocol: dial the coordinator, say Hello, evaluate every Assign with
// an Evaluator and send the Result back, with heartbeats, until the coordinator drains us.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "common/status.h"
#include "worker/runtime/evaluator.h"

namespace clipglass::worker {

struct WorkerOptions {
  std::string coordinator_address;  // host:port
  std::string token;                // shared secret; empty when the coordinator needs none
  std::string worker_id;            // unique; default host:pid[:n]
  std::string device = "cpu";
  std::string device_name;
  int preferred_batch_size = 16;
  uint64_t free_memory_bytes = 0;
  // How long to keep trying to reach a coordinator that is not up yet.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(60)};
};

class WorkerClient {
 public:
  WorkerClient(WorkerOptions options, Evaluator* evaluator);

  // Runs until the coordinator drains the worker (OK), refuses it (FailedPrecondition or
  // InvalidArgument with the coordinator's reason), or the connection is lost (Unavailable).
  Status Run();

  // Makes Run() return soon (from another thread or a signal handler's thread).
  void Stop() { stop_ = true; }

  int64_t batches_done() const { return batches_done_; }

 private:
  WorkerOptions options_;
  Evaluator* evaluator_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> batches_done_{0};
};

// "hostname:pid", the default worker id.
std::string DefaultWorkerId();

}  // namespace clipglass::worker
