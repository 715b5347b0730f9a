// The gRPC side of the coordinator: admits workers (protocol version, token), then relays between
// each worker's stream and the Scheduler. Ref: docs/protocol.md.
#pragma once

#include <functional>
#include <string>

#include "coordinator/runtime/scheduler.h"
#include "proto/clipglass.grpc.pb.h"

namespace clipglass::coordinator {

struct ServiceOptions {
  // Shared secret workers must present; empty = no check (only allowed on loopback addresses).
  std::string token;
  std::string coordinator_id = "clipglass-coordinator";
  int heartbeat_interval_ms = 5000;
  // After Drain, how long to wait for a worker to close its side before cancelling the stream.
  int drain_grace_ms = 10000;
};

class CoordinatorService final : public v1::Coordinator::Service {
 public:
  // `status` fills a StatusReply with the sweep's progress (called on each GetStatus).
  CoordinatorService(Scheduler* scheduler, ServiceOptions options,
                     std::function<void(v1::StatusReply*)> status);

  grpc::Status Connect(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::WorkerMessage>* stream) override;
  grpc::Status GetStatus(grpc::ServerContext* context, const v1::StatusRequest* request,
                         v1::StatusReply* reply) override;

 private:
  bool TokenMatches(const std::string& presented) const;

  Scheduler* const scheduler_;
  const ServiceOptions options_;
  const std::function<void(v1::StatusReply*)> status_;
};

}  // namespace clipglass::coordinator
