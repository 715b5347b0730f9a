// A small synthetic sweep for the results tools' tests: txt2img runs with tiny images (one with a
// discriminator and a Pareto front, one still running), and an img2txt run with a caption.
#pragma once

#include <cstdint>
#include <string>

#include "results/archive.h"

namespace clipglass::results::testing {

// The three runs described above.
SweepRecord MakeTestSweep();

// One run per (target, generator) pair; each final image is a flat colour of `size` x `size`.
SweepRecord MakeGridSweep(int rows, int cols, int64_t size);

}  // namespace clipglass::results::testing
