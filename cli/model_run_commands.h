// The model families under `clipglass model-run`, one file each (model_run_<model>.cpp).
#pragma once

#include <CLI/CLI.hpp>

namespace clipglass::cli {

void AddModelRunClip(CLI::App& model_run);
void AddModelRunGpt2(CLI::App& model_run);
void AddModelRunBigGan(CLI::App& model_run);
void AddModelRunStylegan2(CLI::App& model_run);

}  // namespace clipglass::cli
