// The coordinator process: serves the protocol, drives the sweep through the scheduler, expires
// leases, checkpoints the archive, shows progress, and finishes the archive at the end.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "coordinator/runtime/coordinator_service.h"
#include "coordinator/runtime/scheduler.h"
#include "coordinator/runtime/sweep.h"
#include "results/archive.h"

namespace grpc {
class Server;
}

namespace clipglass::coordinator {

struct CoordinatorOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  std::string token;                   // required when `listen` is not a loopback address
  std::string archive_path;            // written atomically at every checkpoint and at the end
  std::chrono::milliseconds lease_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(30)};
  bool progress = false;           // live progress line on stderr (only for a terminal)
  results::Provenance provenance;  // program version, commit, host; workers are added
};

class Coordinator {
 public:
  Coordinator(std::unique_ptr<Sweep> sweep, CoordinatorOptions options);
  ~Coordinator();

  // Binds and starts serving. Errors: address in use, or a non-loopback address without token.
  Status Start();
  // The bound port (after Start).
  int port() const { return port_; }
  std::string address() const;
  const std::string& archive_path() const { return options_.archive_path; }

  // Runs until every run is done or failed, or Stop() was called; writes the archive last.
  Status Wait();
  // Checkpoint and return from Wait() soon (SIGTERM, Ctrl-C). Workers are drained.
  void Stop() { stop_requested_ = true; }

  // Progress numbers (also served by GetStatus).
  void FillStatus(v1::StatusReply* reply) const;
  const Sweep& sweep() const { return *sweep_; }

 private:
  Status Checkpoint(bool final);

  std::unique_ptr<Sweep> sweep_;
  CoordinatorOptions options_;
  Scheduler scheduler_;
  std::unique_ptr<CoordinatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<bool> stop_requested_{false};
  int64_t checkpointed_version_ = -1;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopbackAddress(const std::string& host_port);

}  // namespace clipglass::coordinator
