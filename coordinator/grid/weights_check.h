// Are the weights files a config needs where it says? Checked before a run starts; `clipglass
// grid` only checks when asked, so that grids can be listed on machines without weights.
#pragma once

#include "common/status.h"
#include "coordinator/grid/generator_config.h"
#include "coordinator/grid/grid.h"

namespace clipglass::grid {

// NotFound naming the first missing file, the config line that named it and how to fix it (for
// the released checkpoints: the deploy/weights/fetch.sh command that downloads it).
Status CheckWeightsPresent(const GeneratorConfig& config);

// The deploy/weights/fetch.sh model name that provides the weights file `relative` (its path under
// the weights folder, as configs/*.yaml write it), or "" when fetch.sh does not provide it.
std::string FetchModelFor(const std::string& relative);

// The same for every distinct config of the grid, in run order.
Status CheckWeightsPresent(const Grid& grid);

}  // namespace clipglass::grid
