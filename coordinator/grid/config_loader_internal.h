// The config loader's located form, for the grid loader (internal to clipglass_grid).
#pragma once

#include <string>

#include "coordinator/grid/ga_spec.h"
#include "coordinator/grid/generator_config.h"

namespace clipglass::grid::internal {

struct LoadedConfig {
  GeneratorConfig config;  // config.ga resolved from `ga` alone
  GaSpec ga_spec;          // the `ga` map as written, for merging with grid settings
  FileLocation ga_where;   // the `ga` map (or the file) for errors about defaults
};

StatusOr<LoadedConfig> LoadConfig(const std::string& path, const std::string& weights_dir);

}  // namespace clipglass::grid::internal
