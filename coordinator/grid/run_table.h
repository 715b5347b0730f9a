// The expanded runs of a grid as an aligned text table, for `clipglass grid`.
#pragma once

#include <string>
#include <string_view>

#include "coordinator/grid/grid.h"

namespace clipglass::grid {

// One header line, then one line per run: id, config, task, target, disc, algorithm, seed, pop,
// generations, islands. Columns are aligned by display width (UTF-8 code points); targets longer
// than 40 characters are shortened with "...", and control characters show as spaces.
std::string FormatRunTable(const Grid& grid);

// Code points in `s` (its display width for the text we print).
size_t DisplayWidth(std::string_view s);

}  // namespace clipglass::grid
