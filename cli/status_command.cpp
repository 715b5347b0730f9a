// `clipglass status HOST:PORT`: ask a running coordinator for its progress.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "coordinator/runtime/launch.h"
#include "proto/clipglass.grpc.pb.h"

namespace clipglass::cli {
namespace {

struct StatusFlags {
  std::string address;
  std::string token_file;
  bool json = false;
  double timeout_seconds = 10;
};

void Run(const StatusFlags& flags) {
  StatusOr<std::string> token = coordinator::ReadToken(flags.token_file);
  if (!token.ok()) Fail(token.status());
  auto stub = v1::Coordinator::NewStub(
      grpc::CreateChannel(flags.address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(flags.timeout_seconds * 1000)));
  v1::StatusRequest request;
  request.set_auth_token(*token);
  v1::StatusReply reply;
  grpc::Status status = stub->GetStatus(&context, request, &reply);
  if (!status.ok()) {
    Fail(UnavailableError("coordinator at " + flags.address + ": " + status.error_message()));
  }
  if (flags.json) {
    nlohmann::ordered_json out;
    out["sweep"] = reply.sweep_name();
    out["runs_done"] = reply.runs_done();
    out["runs_total"] = reply.runs_total();
    out["workers"] = reply.workers();
    out["evaluations"] = reply.evaluations();
    out["evaluations_per_second"] = reply.evaluations_per_second();
    out["cache_hit_rate"] = reply.cache_hit_rate();
    for (const v1::RunStatus& run : reply.runs()) {
      out["runs"].push_back({{"id", run.run_id()},
                             {"state", run.state()},
                             {"generation", run.generation()},
                             {"generations_total", run.generations_total()},
                             {"best_similarity", run.best_similarity()}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf(
      "sweep %s: %u/%u runs done, %u workers, %llu evaluations (%.1f/s), cache hits %.1f%%\n",
      reply.sweep_name().c_str(), reply.runs_done(), reply.runs_total(), reply.workers(),
      static_cast<unsigned long long>(reply.evaluations()), reply.evaluations_per_second(),
      100.0 * reply.cache_hit_rate());
  for (const v1::RunStatus& run : reply.runs()) {
    std::printf("  %-36s %-10s %5u/%-5u best %.4f\n", run.run_id().c_str(), run.state().c_str(),
                run.generation(), run.generations_total(), run.best_similarity());
  }
}

}  // namespace

void AddStatusCommand(CLI::App& app) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* sub = app.add_subcommand("status", "Progress of a running coordinator");
  sub->add_option("address", flags->address, "The coordinator's HOST:PORT")->required();
  sub->add_option("--token-file", flags->token_file,
                  "File holding the shared token (default: $CLIPGLASS_TOKEN)");
  sub->add_flag("--json", flags->json, "Print JSON");
  sub->add_option("--timeout", flags->timeout_seconds, "Seconds to wait for an answer")
      ->capture_default_str();
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
