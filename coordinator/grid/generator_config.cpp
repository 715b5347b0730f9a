#include "coordinator/grid/generator_config.h"

namespace clipglass::grid {

std::vector<const WeightsFile*> AllWeights(const GeneratorConfig& config) {
  std::vector<const WeightsFile*> files = {&config.model.generator};
  if (config.model.has_discriminator()) files.push_back(&config.model.discriminator);
  files.push_back(&config.clip.weights);
  return files;
}

}  // namespace clipglass::grid
