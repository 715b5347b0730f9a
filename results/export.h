// What `clipglass export` writes: a sweep's results as ordinary files (PNG, text, CSV, YAML) for
// tools that do not read HDF5. Layout, per run, under the output folder:
//   <run-id>/final.png            the final image (txt2img runs)
//   <run-id>/final_caption.txt    the final caption (img2txt runs)
//   <run-id>/final.csv            the final genome and objectives (one row)
//   <run-id>/stats.csv            one row per completed generation
//   <run-id>/snapshots/gen_NNNNNN.csv   each snapshot: island, objectives, genes
//   <run-id>/pareto_front.csv     two-objective runs
//   <run-id>/config.yaml          the run's resolved settings
// and grid.yaml (the grid as run) at the top. Unknown values (NaN) are written as empty cells.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "results/archive.h"

namespace clipglass::results {

// Writes one run's files under `run_dir` (created if needed). Existing files are overwritten.
Status ExportRun(const RunRecord& run, const std::string& run_dir);

// Writes grid.yaml and every run (or only `run_id`) under `out_dir`; returns the run folders
// written. `archive_path` names the source in errors.
StatusOr<std::vector<std::string>> ExportSweep(const SweepRecord& sweep,
                                               const std::optional<std::string>& run_id,
                                               const std::string& out_dir,
                                               const std::string& archive_path);

// The CSV text of a population: header "island,<objective names...>,g0,g1,..." then one row
// per individual. Doubles keep every bit (%.17g).
std::string PopulationCsv(const Population& population,
                          const std::vector<std::string>& objective_names);

}  // namespace clipglass::results
