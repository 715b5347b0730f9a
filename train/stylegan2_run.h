// The whole `clipglass train stylegan2` run: the trainer (train/stylegan2_trainer.h) for the
// configured steps, then the weights, a PNG grid of samples and the metrics JSON in one folder.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "common/status.h"
#include "train/stylegan2_trainer.h"

namespace clipglass::train {

// 8 x 8 grid PNG of G_ema samples (z from `seed`), each upscaled 2x, 2 px gaps.
Status WriteStylegan2SampleGrid(Stylegan2Trainer& trainer, const std::string& path, uint64_t seed);

// The whole run: trains options.steps steps printing progress to `log`, then writes the weights,
// the sample grid and the scores (JSON) into `out_dir`.
Status TrainStylegan2(const Stylegan2TrainOptions& options, const std::string& out_dir,
                      std::FILE* log);

}  // namespace clipglass::train
