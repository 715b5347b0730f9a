// `clipglass inspect ARCHIVE.h5 [--run ID] [--json]`: what a sweep archive holds. Read-only, so it
// is safe on the archive of a sweep that is still running (its checkpoints are atomic renames).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "results/archive.h"
#include "results/inspect.h"
#include "results/run_view.h"

namespace clipglass::cli {
namespace {

struct InspectFlags {
  std::string archive;
  std::string run_id;
  bool json = false;
};

void Run(const InspectFlags& flags) {
  StatusOr<results::SweepRecord> sweep = results::ReadArchive(flags.archive);
  if (!sweep.ok()) Fail(sweep.status());
  if (flags.run_id.empty()) {
    if (flags.json) {
      std::printf("%s\n", results::SweepJson(*sweep).dump(2).c_str());
    } else {
      std::printf("%s", results::FormatSweepTable(*sweep).c_str());
    }
    return;
  }
  StatusOr<const results::RunRecord*> run = results::FindRun(*sweep, flags.run_id, flags.archive);
  if (!run.ok()) Fail(run.status());
  if (flags.json) {
    std::printf("%s\n", results::RunDetailJson(**run).dump(2).c_str());
  } else {
    std::printf("%s", results::FormatRunDetail(**run).c_str());
  }
}

}  // namespace

void AddInspectCommand(CLI::App& app) {
  auto flags = std::make_shared<InspectFlags>();
  CLI::App* sub = app.add_subcommand("inspect", "Runs, results and provenance of a sweep archive");
  sub->add_option("archive", flags->archive, "The sweep archive (.h5)")->required();
  sub->add_option("--run", flags->run_id, "Show this run in detail");
  sub->add_flag("--json", flags->json, "Print JSON");
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
