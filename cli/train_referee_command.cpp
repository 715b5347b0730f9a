// `clipglass train referee --out DIR`: the demo world's attribute classifier (train/referee.h),
// written to DIR/referee.safetensors. docs/demo_world.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/train_commands.h"
#include "train/referee.h"

namespace clipglass::cli {
namespace {

struct TrainRefereeFlags {
  std::string out;
  train::RefereeOptions options;
};

void Run(const TrainRefereeFlags& flags) {
  const std::string path = flags.out + "/referee.safetensors";
  std::printf("training the referee: %lld steps of %d renders at %d px, %d thread(s)\n",
              static_cast<long long>(flags.options.steps), flags.options.batch, flags.options.side,
              flags.options.threads);
  CheckOk(train::TrainReferee(flags.options, path, [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }));
}

}  // namespace

void AddTrainRefereeCommand(CLI::App& train) {
  auto flags = std::make_shared<TrainRefereeFlags>();
  CLI::App* sub = train.add_subcommand(
      "referee", "Train the attribute classifier that judges generated images (the referee)");
  sub->add_option("--out", flags->out, "Output folder (writes referee.safetensors there)")
      ->required();
  train::RefereeOptions& o = flags->options;
  sub->add_option("--steps", o.steps, "Optimiser steps")->capture_default_str();
  sub->add_option("--batch", o.batch, "Renders per step, half from each split")
      ->capture_default_str();
  sub->add_option("--side", o.side, "Render side in pixels (a multiple of 8)")
      ->capture_default_str();
  sub->add_option("--lr", o.learning_rate, "Adam learning rate (cosine-decayed)")
      ->capture_default_str();
  sub->add_option("--seed", o.seed, "Initialisation and noise seed")->capture_default_str();
  sub->add_option("--threads", o.threads, "LibTorch threads")->capture_default_str();
  sub->add_option("--log-every", o.log_every, "Steps between progress lines")
      ->capture_default_str();
  sub->add_option("--eval-count", o.eval_count, "Renders per split measured at the end")
      ->capture_default_str();
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
