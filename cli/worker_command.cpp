// `clipglass worker --connect HOST:PORT`: evaluate batches for a coordinator until it drains us.
#include <cstdio>
#include <memory>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "cli/worker_factory.h"
#include "coordinator/runtime/launch.h"
#include "worker/runtime/worker_client.h"

namespace clipglass::cli {
namespace {

struct WorkerCommandFlags {
  std::string connect;
  std::string token_file;
  std::string id;
  double connect_timeout_seconds = 60;
  WorkerFlags worker;
};

void Run(const WorkerCommandFlags& flags) {
  StatusOr<std::string> token = coordinator::ReadToken(flags.token_file);
  if (!token.ok()) Fail(token.status());
  StatusOr<std::unique_ptr<worker::Evaluator>> evaluator = MakeWorkerEvaluator(flags.worker);
  if (!evaluator.ok()) Fail(evaluator.status());
  worker::WorkerOptions options = MakeWorkerOptions(flags.worker);
  options.coordinator_address = flags.connect;
  options.token = *token;
  options.worker_id = flags.id;
  options.connect_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.connect_timeout_seconds * 1000));
  worker::WorkerClient client(options, evaluator->get());
  StopOnSignals([&] { client.Stop(); });
  CheckOk(client.Run());
  std::printf("worker done: %lld batches\n", static_cast<long long>(client.batches_done()));
}

}  // namespace

void AddWorkerCommand(CLI::App& app) {
  auto flags = std::make_shared<WorkerCommandFlags>();
  CLI::App* sub = app.add_subcommand("worker", "Evaluate batches for a coordinator");
  sub->add_option("--connect", flags->connect, "The coordinator's HOST:PORT")->required();
  sub->add_option("--token-file", flags->token_file,
                  "File holding the shared token (default: $CLIPGLASS_TOKEN)");
  sub->add_option("--id", flags->id, "Worker id (default: hostname:pid)");
  sub->add_option("--connect-timeout", flags->connect_timeout_seconds,
                  "Seconds to keep trying to reach the coordinator")
      ->capture_default_str();
  AddWorkerFlags(sub, &flags->worker);
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
