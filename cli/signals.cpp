#include "cli/signals.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace clipglass::cli {
namespace {

std::atomic<int> signals_received{0};

// Async-signal-safe: only counts; a watcher thread does the work.
void OnSignal(int) {
  if (signals_received.fetch_add(1) >= 1) _exit(130);
}

}  // namespace

void StopOnSignals(std::function<void()> on_signal) {
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::thread([on_signal = std::move(on_signal)] {
    while (signals_received.load() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    spdlog::warn("signal received: checkpointing and stopping (again to abort)");
    on_signal();
  }).detach();
}

}  // namespace clipglass::cli
