#include "coordinator/runtime/coordinator.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

namespace clipglass::coordinator {

bool IsLoopbackAddress(const std::string& host_port) {
  std::string host = host_port.substr(0, host_port.rfind(':'));
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Coordinator::Coordinator(std::unique_ptr<Sweep> sweep, CoordinatorOptions options)
    : sweep_(std::move(sweep)),
      options_(std::move(options)),
      scheduler_(sweep_.get(), SchedulerOptions{options_.lease_timeout, 2, 3}) {}

Coordinator::~Coordinator() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

std::string Coordinator::address() const {
  const std::string host = options_.listen.substr(0, options_.listen.rfind(':'));
  return host + ":" + std::to_string(port_);
}

Status Coordinator::Start() {
  if (!IsLoopbackAddress(options_.listen) && options_.token.empty()) {
    return InvalidArgumentError("listening on " + options_.listen +
                                " needs a token for workers: --token-file FILE or CLIPGLASS_TOKEN");
  }
  ServiceOptions service_options;
  service_options.token = options_.token;
  service_ = std::make_unique<CoordinatorService>(
      &scheduler_, service_options, [this](v1::StatusReply* reply) { FillStatus(reply); });
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  // Latents of a large batch exceed gRPC's 4 MB default.
  builder.SetMaxReceiveMessageSize(256 << 20);
  builder.SetMaxSendMessageSize(256 << 20);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return UnavailableError("cannot listen on " + options_.listen + " (address in use?)");
  }
  spdlog::info("coordinator listening on {}", address());
  return Status::Ok();
}

void Coordinator::FillStatus(v1::StatusReply* reply) const {
  scheduler_.WithLock([&] { sweep_->FillStatus(reply); });
  const SchedulerCounters counters = scheduler_.Counters();
  reply->set_workers(static_cast<uint32_t>(counters.workers));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  reply->set_evaluations_per_second(seconds > 0 ? counters.evaluations / seconds : 0.0);
}

Status Coordinator::Checkpoint(bool final) {
  if (options_.archive_path.empty()) return Status::Ok();
  results::SweepRecord record = scheduler_.WithLock([&] { return sweep_->Record(); });
  record.provenance = options_.provenance;
  record.provenance.worker_devices = scheduler_.SeenWorkers();
  if (final && !sweep_->Finished()) record.state = "interrupted";
  return results::WriteArchive(options_.archive_path, record);
}

Status Coordinator::Wait() {
  auto last_checkpoint = std::chrono::steady_clock::now();
  const bool tty = options_.progress && ::isatty(STDERR_FILENO);
  while (!scheduler_.Finished() && !stop_requested_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    scheduler_.ExpireLeases(Scheduler::Clock::now());
    const auto now = std::chrono::steady_clock::now();
    const int64_t version = scheduler_.WithLock([&] { return sweep_->version(); });
    if (version != checkpointed_version_ && now - last_checkpoint >= options_.checkpoint_interval) {
      Status status = Checkpoint(false);
      if (!status.ok()) spdlog::error("checkpoint failed: {}", status.message());
      checkpointed_version_ = version;
      last_checkpoint = now;
    }
    if (tty) {
      v1::StatusReply status;
      FillStatus(&status);
      const auto [done, total] = scheduler_.WithLock([&] { return sweep_->GenerationProgress(); });
      std::fprintf(stderr, "\r\033[Kruns %u/%u  generations %lld/%lld  %.1f eval/s  workers %u",
                   status.runs_done(), status.runs_total(), static_cast<long long>(done),
                   static_cast<long long>(total), status.evaluations_per_second(),
                   status.workers());
    }
  }
  if (tty) std::fprintf(stderr, "\n");
  scheduler_.Shutdown();  // workers are sent Drain
  Status status = Checkpoint(true);
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return status;
}

}  // namespace clipglass::coordinator
