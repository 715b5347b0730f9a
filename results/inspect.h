// What `clipglass inspect` prints: a sweep's runs as a table with its provenance, one run in
// detail, or either as JSON for scripts. Pure functions of a SweepRecord; nothing is written.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "results/archive.h"

namespace clipglass::results {

// The sweep header (name, state, provenance) and one table row per run.
std::string FormatSweepTable(const SweepRecord& sweep);

// One run: bookkeeping, resolved settings, last generation's statistics, the final individual
// and the list of snapshots.
std::string FormatRunDetail(const RunRecord& run);

// The same content as JSON. NaN (unknown) values become null.
nlohmann::ordered_json SweepJson(const SweepRecord& sweep);
nlohmann::ordered_json RunDetailJson(const RunRecord& run);

}  // namespace clipglass::results
