// A resolved run as JSON (for `clipglass grid --json`) and as YAML text with a stable hash (for the
// archive, which stores both so that a resume can tell whether a run's settings changed).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "coordinator/grid/grid.h"

namespace clipglass::grid {

// Every resolved setting of `run`, keys in a fixed order. Paths are as the grid and configs wrote
// them (the same on every machine); with `include_local_paths`, an extra "local" object gives the
// files this machine would open (weights, target image).
nlohmann::ordered_json RunToJson(const RunSpec& run, bool include_local_paths);

// {"name", "description", "file", "archive", "configs_dir", "weights_dir", "runs": [...]}, each run
// with its local paths and its "hash".
nlohmann::ordered_json GridToJson(const Grid& grid);

// RunToJson(run, false) as block-style YAML: readable, parseable by any YAML reader, and the same
// bytes for the same settings on every machine.
std::string RenderRunYaml(const RunSpec& run);

// Lower-case hex SHA-256 of the YAML of what determines the run's results: task, target (with the
// image's own SHA-256), discriminator, seed, model, clip, genome and ga. Not the run's id, index,
// block, override name or config name, nor where the files live: reordering a grid, renaming an
// override or moving the weights does not change it.
std::string RunConfigHash(const RunSpec& run);

// Block-style YAML for a JSON value (objects and arrays nest; strings are double-quoted).
std::string JsonToYaml(const nlohmann::ordered_json& value);

}  // namespace clipglass::grid
