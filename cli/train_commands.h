// The subcommands of `clipglass train`, one per model (cli/train_<model>_command.cpp).
#pragma once

#include <CLI/CLI.hpp>

namespace clipglass::cli {

// One declaration per trainer: void AddTrain<Model>Command(CLI::App& train);
void AddTrainStylegan2Command(CLI::App& train);
void AddTrainClipCommand(CLI::App& train);
void AddTrainGpt2Command(CLI::App& train);
void AddTrainRefereeCommand(CLI::App& train);
// `train all`: the four above in sequence (cli/train_all_command.cpp).
void AddTrainAllCommand(CLI::App& train);

}  // namespace clipglass::cli
