// Are the weights files a config needs where it says? Checked before a run starts; `clipglass
// grid` only checks when asked, so that grids can be listed on machines without weights.
#pragma once

#include "common/status.h"
#include "coordinator/grid/generator_config.h"
#include "coordinator/grid/grid.h"

namespace clipglass::grid {

// NotFound naming the first missing file, the config line that named it and how to fix it.
Status CheckWeightsPresent(const GeneratorConfig& config);

// The same for every distinct config of the grid, in run order.
Status CheckWeightsPresent(const Grid& grid);

}  // namespace clipglass::grid
