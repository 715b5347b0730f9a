// `clipglass train <model>`: trains the demo world's tiny models (docs/demo_world.md). Each model's
// subcommand is added by its own Add*TrainCommand; `train all` (cli/train_all_command.cpp)
// runs them in sequence.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/train_commands.h"

namespace clipglass::cli {

void AddTrainCommand(CLI::App& app) {
  CLI::App* train = app.add_subcommand(
      "train",
      "Train the demo world's tiny models (CPU, LibTorch autograd); see docs/demo_world.md");
  train->require_subcommand(1);
  // One line per model: each trainer registers its subcommand here.
  AddTrainStylegan2Command(*train);
  AddTrainClipCommand(*train);
  AddTrainGpt2Command(*train);
  AddTrainRefereeCommand(*train);
  AddTrainAllCommand(*train);
}

}  // namespace clipglass::cli
