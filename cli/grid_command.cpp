// `clipglass grid GRID.yaml`: expands an experiment grid and prints its runs (a table, or JSON with
// --json) after checking everything; a bad grid prints one "file:line:column: message" line and
// exits 2 before any work starts.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "coordinator/grid/grid.h"
#include "coordinator/grid/run_render.h"
#include "coordinator/grid/run_table.h"
#include "coordinator/grid/weights_check.h"

namespace clipglass::cli {
namespace {

struct GridFlags {
  std::string grid_path;
  std::string configs_dir;
  std::string weights_dir;
  bool json = false;
  bool check_weights = false;
};

void RunGrid(const GridFlags& flags) {
  StatusOr<grid::Grid> loaded =
      grid::LoadGrid(flags.grid_path, {flags.configs_dir, flags.weights_dir});
  CheckOk(loaded.status());
  const grid::Grid& g = *loaded;
  if (flags.check_weights) CheckOk(grid::CheckWeightsPresent(g));
  if (flags.json) {
    std::printf("%s\n", grid::GridToJson(g).dump(2).c_str());
    return;
  }
  std::fputs(grid::FormatRunTable(g).c_str(), stdout);
  std::printf("%zu run%s in sweep '%s' (%s), archive %s\n", g.runs.size(),
              g.runs.size() == 1 ? "" : "s", g.name.c_str(), g.path.c_str(), g.archive.c_str());
}

}  // namespace

void AddGridCommand(CLI::App& app) {
  auto flags = std::make_shared<GridFlags>();
  CLI::App* sub = app.add_subcommand(
      "grid",
      "Expand an experiment grid (experiments/*.yaml) and print its runs; checks the grid, "
      "the configs it names and its target images (docs/grid_format.md)");
  sub->add_option("grid", flags->grid_path, "The grid file")->required();
  sub->add_flag("--json", flags->json, "Print every run's resolved settings as JSON");
  sub->add_option("--configs", flags->configs_dir,
                  "Folder of generator configs (default: ./configs if present, else the configs "
                  "folder beside the grid's folder)");
  sub->add_option("--weights-dir", flags->weights_dir,
                  "Folder that configs' weights paths are relative to (default: "
                  "$CLIPGLASS_WEIGHTS_DIR, else ./weights)");
  sub->add_flag("--check-weights", flags->check_weights,
                "Also fail (exit 1) when a weights file the runs need is missing");
  sub->callback([flags] { RunGrid(*flags); });
}

}  // namespace clipglass::cli
