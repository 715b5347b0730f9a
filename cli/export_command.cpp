// `clipglass export ARCHIVE.h5 [--run ID] --out DIR`: a sweep's results as PNG, text, CSV and YAML
// files (layout in results/export.h and docs/results_tools.md).
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "results/archive.h"
#include "results/export.h"

namespace clipglass::cli {
namespace {

struct ExportFlags {
  std::string archive;
  std::string run_id;
  std::string out_dir;
};

void Run(const ExportFlags& flags) {
  StatusOr<results::SweepRecord> sweep = results::ReadArchive(flags.archive);
  if (!sweep.ok()) Fail(sweep.status());
  std::optional<std::string> run_id;
  if (!flags.run_id.empty()) run_id = flags.run_id;
  StatusOr<std::vector<std::string>> written =
      results::ExportSweep(*sweep, run_id, flags.out_dir, flags.archive);
  if (!written.ok()) Fail(written.status());
  for (const std::string& dir : *written) std::printf("%s\n", dir.c_str());
}

}  // namespace

void AddExportCommand(CLI::App& app) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* sub =
      app.add_subcommand("export", "Write a sweep archive's results as PNG, text, CSV and YAML");
  sub->add_option("archive", flags->archive, "The sweep archive (.h5)")->required();
  sub->add_option("--run", flags->run_id, "Export only this run");
  sub->add_option("--out", flags->out_dir, "Output folder (one subfolder per run)")->required();
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
