#include "worker/runtime/worker_client.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "proto/clipglass.grpc.pb.h"
#include "proto/wire.h"

namespace clipglass::worker {

std::string DefaultWorkerId() {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

WorkerClient::WorkerClient(WorkerOptions options, Evaluator* evaluator)
    : options_(std::move(options)), evaluator_(evaluator) {
  if (options_.worker_id.empty()) options_.worker_id = DefaultWorkerId();
}

Status WorkerClient::Run() {
  auto channel =
      grpc::CreateChannel(options_.coordinator_address, grpc::InsecureChannelCredentials());
  const auto connect_deadline = std::chrono::system_clock::now() + options_.connect_timeout;
  if (!channel->WaitForConnected(connect_deadline)) {
    return UnavailableError("cannot reach the coordinator at " + options_.coordinator_address +
                            " within " + std::to_string(options_.connect_timeout.count() / 1000) +
                            " s");
  }
  auto stub = v1::Coordinator::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->Connect(&context);
  std::mutex write_mu;  // Results and heartbeats come from two threads; gRPC allows one writer.

  v1::WorkerMessage hello_message;
  v1::Hello* hello = hello_message.mutable_hello();
  hello->set_protocol_version(wire::kProtocolVersion);
  hello->set_worker_id(options_.worker_id);
  hello->set_program_version(CLIPGLASS_VERSION);
  hello->set_device(options_.device);
  hello->set_device_name(options_.device_name);
  hello->set_free_memory_bytes(options_.free_memory_bytes);
  hello->set_preferred_batch_size(options_.preferred_batch_size);
  hello->set_auth_token(options_.token);
  for (const std::string& key : evaluator_->LoadedModels()) hello->add_loaded_models(key);
  if (!stream->Write(hello_message)) {
    return UnavailableError("coordinator at " + options_.coordinator_address +
                            " closed the stream before Hello");
  }
  v1::CoordinatorMessage reply;
  if (!stream->Read(&reply)) {
    grpc::Status status = stream->Finish();
    return UnavailableError("coordinator at " + options_.coordinator_address +
                            " closed the stream: " + status.error_message());
  }
  if (reply.has_refuse()) {
    stream->Finish();
    return FailedPreconditionError("coordinator refused this worker: " + reply.refuse().reason());
  }
  if (!reply.has_welcome()) return InvalidArgumentError("coordinator did not answer with Welcome");
  const auto heartbeat_interval =
      std::chrono::milliseconds(std::max<uint32_t>(100, reply.welcome().heartbeat_interval_ms()));
  spdlog::info("worker {} connected to {}", options_.worker_id, options_.coordinator_address);

  // Reader thread: queue assignments, note drain/cancel; the main thread evaluates.
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<v1::Assign> queue;
  bool draining = false;
  bool stream_broken = false;
  std::thread reader([&] {
    v1::CoordinatorMessage message;
    while (stream->Read(&message)) {
      std::lock_guard<std::mutex> lock(queue_mu);
      if (message.has_assign()) {
        queue.push_back(std::move(*message.mutable_assign()));
      } else if (message.has_cancel()) {
        std::erase_if(queue, [&](const v1::Assign& a) {
          return a.batch_id() == message.cancel().batch_id();
        });
      } else if (message.has_drain()) {
        draining = true;
      }
      queue_cv.notify_all();
    }
    std::lock_guard<std::mutex> lock(queue_mu);
    if (!draining) stream_broken = true;
    draining = true;
    queue_cv.notify_all();
  });

  // Heartbeats wait on their own condition variable and deadline: woken by every queued
  // assignment, they would send one beat per batch instead of one per interval.
  std::condition_variable heartbeat_cv;
  bool heartbeat_stop = false;  // GUARDED_BY(queue_mu)
  std::thread heartbeat([&] {
    std::unique_lock<std::mutex> lock(queue_mu);
    while (true) {
      const auto next_beat = std::chrono::steady_clock::now() + heartbeat_interval;
      if (heartbeat_cv.wait_until(lock, next_beat, [&] { return heartbeat_stop; })) break;
      v1::WorkerMessage beat;
      beat.mutable_heartbeat()->set_unix_millis(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
      lock.unlock();
      {
        std::lock_guard<std::mutex> write_lock(write_mu);
        stream->Write(beat);
      }
      lock.lock();
    }
  });

  while (true) {
    v1::Assign assign;
    {
      std::unique_lock<std::mutex> lock(queue_mu);
      queue_cv.wait_for(lock, std::chrono::milliseconds(200),
                        [&] { return !queue.empty() || draining || stop_; });
      if (stop_) break;
      if (queue.empty()) {
        if (draining) break;
        continue;
      }
      assign = std::move(queue.front());
      queue.pop_front();
    }
    bool permanent = false;
    StatusOr<EvaluationResult> evaluated = evaluator_->Evaluate(assign, &permanent);
    v1::WorkerMessage message;
    if (evaluated.ok()) {
      v1::Result* result = message.mutable_result();
      result->set_batch_id(assign.batch_id());
      result->set_lease_id(assign.lease_id());
      *result->mutable_similarity() = {evaluated->similarity.begin(), evaluated->similarity.end()};
      *result->mutable_discriminator_loss() = {evaluated->discriminator_loss.begin(),
                                               evaluated->discriminator_loss.end()};
      for (v1::Output& output : evaluated->outputs) *result->add_outputs() = std::move(output);
      result->set_load_seconds(evaluated->load_seconds);
      result->set_eval_seconds(evaluated->eval_seconds);
    } else {
      spdlog::error("batch {}: {}", assign.batch_id(), evaluated.status().message());
      v1::Failure* failure = message.mutable_failure();
      failure->set_batch_id(assign.batch_id());
      failure->set_lease_id(assign.lease_id());
      failure->set_message(evaluated.status().message());
      failure->set_permanent(permanent);
    }
    std::lock_guard<std::mutex> write_lock(write_mu);
    if (!stream->Write(message)) break;
    ++batches_done_;
  }

  {
    std::lock_guard<std::mutex> lock(queue_mu);
    heartbeat_stop = true;
    heartbeat_cv.notify_all();
  }
  heartbeat.join();
  {
    std::lock_guard<std::mutex> write_lock(write_mu);
    stream->WritesDone();
  }
  if (stop_) context.TryCancel();
  reader.join();
  grpc::Status status = stream->Finish();
  if (stop_) return CancelledError("worker stopped");
  if (stream_broken) {
    return UnavailableError("lost the coordinator at " + options_.coordinator_address + ": " +
                            (status.ok() ? std::string("stream closed") : status.error_message()));
  }
  spdlog::info("worker {} drained after {} batches", options_.worker_id, batches_done_.load());
  return Status::Ok();
}

}  // namespace clipglass::worker
