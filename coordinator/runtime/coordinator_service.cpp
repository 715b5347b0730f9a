#include "coordinator/runtime/coordinator_service.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "proto/wire.h"

namespace clipglass::coordinator {

CoordinatorService::CoordinatorService(Scheduler* scheduler, ServiceOptions options,
                                       std::function<void(v1::StatusReply*)> status)
    : scheduler_(scheduler), options_(std::move(options)), status_(std::move(status)) {}

bool CoordinatorService::TokenMatches(const std::string& presented) const {
  if (options_.token.empty()) return true;
  // Constant-time comparison: the time taken does not reveal how much of a guess was right.
  unsigned char diff = presented.size() == options_.token.size() ? 0 : 1;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff |= static_cast<unsigned char>(presented[i] ^ options_.token[i % options_.token.size()]);
  }
  return diff == 0;
}

grpc::Status CoordinatorService::Connect(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::WorkerMessage>* stream) {
  v1::WorkerMessage first;
  if (!stream->Read(&first) || !first.has_hello()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "the first message must be Hello"};
  }
  const v1::Hello& hello = first.hello();
  auto refuse = [&](grpc::StatusCode code, const std::string& reason) {
    spdlog::warn("refused worker '{}' from {}: {}", hello.worker_id(), context->peer(), reason);
    v1::CoordinatorMessage message;
    message.mutable_refuse()->set_reason(reason);
    stream->Write(message);
    return grpc::Status(code, reason);
  };
  if (hello.protocol_version() != wire::kProtocolVersion) {
    return refuse(grpc::StatusCode::FAILED_PRECONDITION,
                  "worker speaks protocol version " + std::to_string(hello.protocol_version()) +
                      ", coordinator speaks " + std::to_string(wire::kProtocolVersion));
  }
  if (!TokenMatches(hello.auth_token())) {
    return refuse(grpc::StatusCode::UNAUTHENTICATED,
                  hello.auth_token().empty()
                      ? "a token is required (--token-file or CLIPGLASS_TOKEN)"
                      : "wrong token");
  }
  if (hello.worker_id().empty()) {
    return refuse(grpc::StatusCode::INVALID_ARGUMENT, "Hello.worker_id is empty");
  }

  WorkerInfo info;
  info.id = hello.worker_id();
  info.device = hello.device();
  info.device_name = hello.device_name();
  info.preferred_batch_size = std::max<int>(1, static_cast<int>(hello.preferred_batch_size()));
  info.loaded_models.insert(hello.loaded_models().begin(), hello.loaded_models().end());
  scheduler_->AddWorker(info);
  spdlog::info("worker {} joined ({} {}, batch {})", info.id, info.device, info.device_name,
               info.preferred_batch_size);

  v1::CoordinatorMessage welcome;
  welcome.mutable_welcome()->set_protocol_version(wire::kProtocolVersion);
  welcome.mutable_welcome()->set_coordinator_id(options_.coordinator_id);
  welcome.mutable_welcome()->set_heartbeat_interval_ms(options_.heartbeat_interval_ms);
  if (!stream->Write(welcome)) {
    scheduler_->RemoveWorker(info.id);
    return {grpc::StatusCode::UNAVAILABLE, "worker went away before Welcome"};
  }

  // Two threads write to the stream (gRPC allows one writer at a time): the writer below, and
  // the reader, which sends the next batch right after a result when one is ready.
  std::mutex write_mu;
  auto write = [&](const v1::CoordinatorMessage& message) {
    std::lock_guard<std::mutex> lock(write_mu);
    return stream->Write(message);
  };

  // Reader: results, heartbeats and failures until the worker closes or breaks its stream.
  std::promise<void> reader_done;
  std::future<void> reader_finished = reader_done.get_future();
  std::thread reader([&] {
    v1::WorkerMessage message;
    while (stream->Read(&message)) {
      if (message.has_result()) {
        std::optional<v1::Assign> next;
        Status status = scheduler_->HandleResult(info.id, message.result(), &next);
        if (!status.ok()) spdlog::error("{}", status.message());
        if (next) {
          v1::CoordinatorMessage assign;
          *assign.mutable_assign() = std::move(*next);
          write(assign);  // a broken stream ends the Read loop; its leases are re-queued
        }
      } else if (message.has_failure()) {
        scheduler_->HandleFailure(info.id, message.failure());
      }
      // Heartbeats only prove liveness; the stream itself breaking is what re-queues work.
    }
    scheduler_->RemoveWorker(info.id);
    reader_done.set_value();
  });

  // Writer: assignments until the sweep is finished or the worker is gone.
  bool worker_gone = false;
  while (std::optional<v1::Assign> assign = scheduler_->NextAssignment(info.id)) {
    v1::CoordinatorMessage message;
    *message.mutable_assign() = std::move(*assign);
    if (!write(message)) {
      worker_gone = true;
      break;
    }
  }
  if (!worker_gone) {
    v1::CoordinatorMessage drain;
    drain.mutable_drain()->set_reason("sweep finished");
    write(drain);
  }
  if (reader_finished.wait_for(std::chrono::milliseconds(options_.drain_grace_ms)) !=
      std::future_status::ready) {
    context->TryCancel();
  }
  reader.join();
  spdlog::info("worker {} left", info.id);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::GetStatus(grpc::ServerContext* context,
                                           const v1::StatusRequest* request,
                                           v1::StatusReply* reply) {
  if (!TokenMatches(request->auth_token())) {
    return {grpc::StatusCode::UNAUTHENTICATED, "wrong or missing token"};
  }
  status_(reply);
  return grpc::Status::OK;
}

}  // namespace clipglass::coordinator
