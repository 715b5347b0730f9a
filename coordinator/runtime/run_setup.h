// Everything the coordinator derives from one resolved grid run before it starts: the GA engine's
// configuration, the model and target as the protocol carries them, and the genome's wire layout.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/config.h"
#include "coordinator/ga/island_model.h"
#include "coordinator/grid/grid.h"
#include "proto/clipglass.pb.h"
#include "proto/wire.h"

namespace clipglass::coordinator {

struct RunSetup {
  ga::GaConfig ga;
  ga::IslandConfig islands;
  v1::ModelSpec model;        // model.key identifies the model for affinity and caching
  v1::Target target;          // caption, or the image's bytes
  wire::GenomeLayout layout;  // how genomes are packed for the wire
  std::vector<std::string> objective_names;  // "similarity" [, "discriminator_loss"]
  std::vector<double> final_weights;         // NSGA-II final pick; empty = the original's [0, 1]
};

// Maps a grid run onto the engine and the protocol. Reads the target image (img2txt); errors name
// the run and the file or setting at fault.
StatusOr<RunSetup> MakeRunSetup(const grid::RunSpec& run);

// The benchmark problems' genome: `genes` reals in [0, 1] (ZDT) or [-5.12, 5.12] (sphere,
// Rastrigin), for the machinery tests and `clipglass optimize --workers`.
bool IsBenchmarkFamily(const std::string& family);

}  // namespace clipglass::coordinator
