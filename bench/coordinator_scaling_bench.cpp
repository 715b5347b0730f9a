// Coordinator scaling: one in-process coordinator (real gRPC on 127.0.0.1) serving N simulated
// worker PROCESSES whose every batch takes a fixed time (default 20 ms of sleep), so the figures
// are the coordinator's and the transport's alone. Prints, per N: evaluations/s against the ideal
// (N * batch / delay), the coordinator's CPU time per evaluation, and the overhead per batch (time
// a worker spends per batch beyond the simulated evaluation: gRPC, scheduling, waiting for work).
//
//   build/bench/coordinator_scaling_bench [--workers 1,4,16,64] [--delay-ms 20] [--batch 8]
//                                         [--seconds 5] [--supply 6]
// Workers are this same binary started with --worker-process ADDRESS.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/runtime/launch.h"
#include "results/archive.h"
#include "worker/runtime/routing_evaluator.h"
#include "worker/runtime/worker_client.h"

namespace {

using clipglass::Status;
using clipglass::StatusOr;
namespace coordinator = clipglass::coordinator;
namespace worker = clipglass::worker;

struct Settings {
  std::vector<int> workers = {1, 4, 16, 64};
  int delay_ms = 20;
  int batch = 8;
  double seconds = 5;  // target length of each measurement at the ideal rate
  int supply = 6;      // batches on offer per worker at the start of a generation
};

double CpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

int RunWorkerProcess(const std::string& address, int delay_ms, int batch, int index) {
  spdlog::set_level(spdlog::level::warn);
  worker::RoutingEvaluator evaluator(nullptr, std::chrono::milliseconds(delay_ms));
  worker::WorkerOptions options;
  options.coordinator_address = address;
  options.worker_id = "sim-" + std::to_string(index);
  options.preferred_batch_size = batch;
  worker::WorkerClient client(options, &evaluator);
  const Status status = client.Run();
  return status.ok() ? 0 : 1;
}

struct Row {
  int workers = 0;
  double startup = 0;               // seconds until every worker had connected
  int64_t evaluations = 0;          // in the measured window (all workers connected .. end)
  int64_t workers_evaluations = 0;  // in the whole sweep
  double wall = 0;                  // of the measured window
  double coordinator_cpu = 0;
  double workers_cpu = 0;
};

StatusOr<Row> Measure(const Settings& s, int n, const std::string& self) {
  const double ideal = static_cast<double>(n) * s.batch / (s.delay_ms * 1e-3);
  // Enough islands that every worker always finds a batch. Each island offers pop / batch batches
  // per generation and no more until all of them are back, and a worker holds up to 2 batches; so
  // offer `supply` batches per worker at once, or islands waiting on their last batch starve the
  // workers and the figure measures the work supply instead of the coordinator.
  coordinator::LaunchOptions launch;
  launch.benchmark = "zdt1";
  launch.benchmark_options.population = 8 * s.batch;
  launch.benchmark_options.islands = 2;
  const int batches_per_run = 2 * launch.benchmark_options.population / s.batch;
  launch.benchmark_seeds = std::max(1, (s.supply * n + batches_per_run - 1) / batches_per_run);
  const double evals_per_generation =
      static_cast<double>(launch.benchmark_seeds) * 2 * launch.benchmark_options.population;
  launch.benchmark_options.generations =
      std::max(3, static_cast<int>(std::ceil(ideal * s.seconds / evals_per_generation)));
  launch.benchmark_options.save_every = 1000000;
  const std::filesystem::path archive =
      std::filesystem::temp_directory_path() /
      ("coordinator_scaling_" + std::to_string(getpid()) + "_" + std::to_string(n) + ".h5");
  launch.archive = archive.string();
  launch.progress = false;
  launch.checkpoint_interval = std::chrono::hours(1);
  launch.program_version = "bench";
  StatusOr<std::unique_ptr<coordinator::Coordinator>> prepared =
      coordinator::PrepareCoordinator(launch);
  if (!prepared.ok()) return prepared.status();
  coordinator::Coordinator& coord = **prepared;
  if (Status st = coord.Start(); !st.ok()) return st;

  Row row;
  const double children_before = CpuSeconds(RUSAGE_CHILDREN);
  const auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int w = 0; w < n; ++w) {
    const pid_t pid = fork();
    if (pid == 0) {
      const std::string delay = std::to_string(s.delay_ms);
      const std::string batch = std::to_string(s.batch);
      const std::string index = std::to_string(w);
      execl(self.c_str(), self.c_str(), "--worker-process", coord.address().c_str(), delay.c_str(),
            batch.c_str(), index.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    pids.push_back(pid);
  }
  // The measurement starts when every worker has connected: starting 64 processes that load
  // LibTorch takes seconds of CPU on a small machine, which says nothing about the coordinator.
  struct Window {
    std::chrono::steady_clock::time_point start;
    double cpu = 0;
    int64_t evaluations = 0;  // already done when it opened
  };
  std::optional<Window> window;  // written by the watcher, read after it joined
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      clipglass::v1::StatusReply reply;
      coord.FillStatus(&reply);
      if (static_cast<int>(reply.workers()) >= n) {
        window = Window{std::chrono::steady_clock::now(), CpuSeconds(RUSAGE_SELF),
                        static_cast<int64_t>(reply.evaluations())};
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  const Status status = coord.Wait();
  const auto end = std::chrono::steady_clock::now();
  const double end_cpu = CpuSeconds(RUSAGE_SELF);
  done = true;
  watcher.join();
  if (!window) {
    return clipglass::InternalError("the sweep ended before all " + std::to_string(n) +
                                    " workers connected: raise --seconds");
  }
  const double wall = std::chrono::duration<double>(end - window->start).count();
  const double cpu = end_cpu - window->cpu;
  row.startup = std::chrono::duration<double>(window->start - start).count();
  for (pid_t pid : pids) waitpid(pid, nullptr, 0);
  if (!status.ok()) return status;
  StatusOr<clipglass::results::SweepRecord> record = clipglass::results::ReadArchive(archive);
  std::filesystem::remove(archive);
  if (!record.ok()) return record.status();
  row.workers = n;
  for (const auto& run : record->runs) row.evaluations += run.evaluations;
  row.workers_evaluations = row.evaluations;
  row.evaluations -= window->evaluations;
  row.wall = wall;
  row.coordinator_cpu = cpu;
  row.workers_cpu = CpuSeconds(RUSAGE_CHILDREN) - children_before;
  return row;
}

std::vector<int> ParseList(const char* text) {
  std::vector<int> out;
  std::string item;
  for (const char* p = text;; ++p) {
    if (*p == ',' || *p == '\0') {
      if (!item.empty()) out.push_back(std::atoi(item.c_str()));
      item.clear();
      if (*p == '\0') break;
    } else {
      item += *p;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--worker-process") {
    return RunWorkerProcess(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
  }
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--workers")
      s.workers = ParseList(argv[i + 1]);
    else if (flag == "--delay-ms")
      s.delay_ms = std::atoi(argv[i + 1]);
    else if (flag == "--batch")
      s.batch = std::atoi(argv[i + 1]);
    else if (flag == "--seconds")
      s.seconds = std::atof(argv[i + 1]);
    else if (flag == "--supply")
      s.supply = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: coordinator_scaling_bench [--workers 1,4,16,64] [--delay-ms 20] "
                   "[--batch 8] [--seconds 5] [--supply 6]\n");
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::printf(
      "simulated evaluation: %d ms per batch of %d (ZDT1 answered after a sleep); %ld cores\n",
      s.delay_ms, s.batch, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("%8s %9s %12s %12s %9s %16s %18s %16s\n", "workers", "start s", "evals/s", "ideal",
              "of ideal", "coord CPU/eval", "overhead/batch", "worker CPU/batch");
  for (int n : s.workers) {
    StatusOr<Row> row = Measure(s, n, self);
    if (!row.ok()) {
      std::fprintf(stderr, "coordinator_scaling_bench: %d workers: %s\n", n,
                   row.status().ToString().c_str());
      return 1;
    }
    const double rate = static_cast<double>(row->evaluations) / row->wall;
    const double ideal = static_cast<double>(n) * s.batch / (s.delay_ms * 1e-3);
    const double batches = static_cast<double>(row->evaluations) / s.batch;
    // Each worker spends wall * n / batches per batch; what exceeds the sleep is overhead.
    const double per_batch_ms = row->wall * n / batches * 1e3;
    // Workers' CPU covers their whole life, process start-up included.
    const double all_batches = static_cast<double>(row->workers_evaluations) / s.batch;
    std::printf("%8d %9.2f %12.0f %12.0f %8.1f%% %13.1f us %15.2f ms %13.0f us\n", n, row->startup,
                rate, ideal, 100.0 * rate / ideal, row->coordinator_cpu / row->evaluations * 1e6,
                per_batch_ms - s.delay_ms, row->workers_cpu / all_batches * 1e6);
  }
  return 0;
}
