#include "coordinator/grid/weights_check.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

namespace clipglass::grid {

Status CheckWeightsPresent(const GeneratorConfig& config) {
  for (const WeightsFile* w : AllWeights(config)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(w->path, ec)) continue;
    return NotFoundError(fmt::format(
        "{}: weights file '{}' of config {} not found at {}; put it there, or point "
        "--weights-dir or CLIPGLASS_WEIGHTS_DIR at the folder that holds it (docs/configs.md)",
        w->where.ToString(), w->relative, config.name, w->path));
  }
  return Status::Ok();
}

Status CheckWeightsPresent(const Grid& grid) {
  std::set<std::string> checked;
  for (const RunSpec& run : grid.runs) {
    if (!checked.insert(run.config.name).second) continue;
    CG_RETURN_IF_ERROR(CheckWeightsPresent(run.config));
  }
  return Status::Ok();
}

}  // namespace clipglass::grid
