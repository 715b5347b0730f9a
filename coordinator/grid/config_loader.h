// Reads configs/<name>.yaml into a GeneratorConfig, checking every value once.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "coordinator/grid/generator_config.h"

namespace clipglass::grid {

// Parses and validates one config file; its name is the file's stem. Relative weights paths are
// resolved against `weights_dir`. Errors are InvalidArgument "file:line:column: message".
StatusOr<GeneratorConfig> LoadGeneratorConfig(const std::string& path,
                                              const std::string& weights_dir);

// The stems of the *.yaml files in `dir`, sorted; NotFound when `dir` is not a directory.
StatusOr<std::vector<std::string>> ListConfigNames(const std::string& dir);

}  // namespace clipglass::grid
