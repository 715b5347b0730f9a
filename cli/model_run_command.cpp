// `clipglass model-run <model> ...`: run one model on tensors from a safetensors file and write its
// outputs to another, so any checkpoint can be checked against a reference without writing code.
#include "cli/commands.h"
#include "cli/model_run_commands.h"

namespace clipglass::cli {

void AddModelRunCommand(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "model-run", "Run one model on inputs from a safetensors file; write outputs to another");
  sub->require_subcommand(1);
  // One line per model family; each lives in model_run_<model>.cpp.
  AddModelRunClip(*sub);
  AddModelRunGpt2(*sub);
  AddModelRunBigGan(*sub);
  AddModelRunStylegan2(*sub);
}

}  // namespace clipglass::cli
