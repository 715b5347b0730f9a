// The `clipglass` binary: parses flags and hands each subcommand to the libraries.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/process_setup.h"

int main(int argc, char** argv) {
  clipglass::cli::PrepareProcess(argc, argv);

  CLI::App app{
      "clipglass: captions to images and images to captions by a genetic search of a "
      "generator's latent space under CLIP's judgement (CLIP-GLaSS), as a distributed "
      "batch experiment runner"};
  app.require_subcommand(1);
  app.set_version_flag("--version", CLIPGLASS_VERSION);

  clipglass::cli::AddVersionCommand(app);
  clipglass::cli::AddGridCommand(app);
  clipglass::cli::AddTokenizeCommand(app);
  clipglass::cli::AddRunCommand(app);
  clipglass::cli::AddCoordinatorCommand(app);
  clipglass::cli::AddWorkerCommand(app);
  clipglass::cli::AddStatusCommand(app);
  clipglass::cli::AddWorldCommand(app);
  clipglass::cli::AddOptimizeCommand(app);
  clipglass::cli::AddInspectCommand(app);
  clipglass::cli::AddExportCommand(app);
  clipglass::cli::AddFigureCommand(app);
  clipglass::cli::AddReportCommand(app);
#ifdef CLIPGLASS_WITH_TORCH
  clipglass::cli::AddModelRunCommand(app);
  clipglass::cli::AddTrainCommand(app);
#endif

  CLI11_PARSE(app, argc, argv);
  return 0;
}
