// One function per subcommand of the `clipglass` binary. Each adds its CLI11 subcommand with its
// flags and a callback that calls into the libraries; failures print one line and exit non-zero.
#pragma once

#include <CLI/CLI.hpp>

namespace clipglass::cli {

void AddVersionCommand(CLI::App& app);
void AddGridCommand(CLI::App& app);
void AddTokenizeCommand(CLI::App& app);
void AddOptimizeCommand(CLI::App& app);
void AddInspectCommand(CLI::App& app);
void AddExportCommand(CLI::App& app);
void AddFigureCommand(CLI::App& app);
void AddReportCommand(CLI::App& app);
void AddRunCommand(CLI::App& app);
void AddCoordinatorCommand(CLI::App& app);
void AddWorkerCommand(CLI::App& app);
void AddStatusCommand(CLI::App& app);
void AddWorldCommand(CLI::App& app);
#ifdef CLIPGLASS_WITH_TORCH
void AddModelRunCommand(CLI::App& app);
void AddTrainCommand(CLI::App& app);
#endif

}  // namespace clipglass::cli
