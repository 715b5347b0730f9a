// GA settings as written in one place (a config's `ga`, a grid's `settings`, an axes block's
// `settings`, an override set): every field optional and located, so that merged settings still
// point at the line that set them. Internal to clipglass_grid.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/grid/ga_settings.h"
#include "coordinator/grid/yaml_reader.h"

namespace clipglass::grid::internal {

struct GaSpec {
  std::optional<Located<Algorithm>> algorithm;
  std::optional<Located<int64_t>> population;
  std::optional<Located<int64_t>> batch_size;
  std::optional<Located<int64_t>> generations;
  std::optional<Located<bool>> faithful;
  std::optional<Located<bool>> eliminate_duplicates;
  std::optional<Located<double>> sbx_prob;
  std::optional<Located<double>> sbx_eta;
  std::optional<Located<double>> pm_prob;
  std::optional<Located<double>> pm_eta;
  std::optional<Located<double>> hux_prob;
  std::optional<Located<double>> bitflip_prob;
  std::optional<Located<double>> uniform_prob;
  std::optional<Located<double>> reset_prob;
  std::optional<Located<int64_t>> islands;
  std::optional<Located<int64_t>> migration_interval;
  std::optional<Located<int64_t>> migration_count;
  std::optional<Located<Topology>> topology;
  std::optional<Located<int64_t>> save_every;
  std::optional<Located<int64_t>> max_evaluations;
  std::optional<Located<std::vector<double>>> final_weights;
};

// The keys of a GA settings map.
const std::vector<std::string>& GaSpecKeys();

// Reads the GA keys of `map` (which the caller opened, with GaSpecKeys() among its known keys).
Status ReadGaSpec(const MapReader& map, GaSpec* out);

// `over`'s fields replace `base`'s.
GaSpec MergeGaSpec(const GaSpec& base, const GaSpec& over);

// Defaults, overlaid by `spec`, then checked. `objectives` is 1 or 2; `fallback` is where an error
// about a default value points; `context` ends messages ("for config GPT2").
StatusOr<GaSettings> ResolveGaSpec(const GaSpec& spec, int objectives, const FileLocation& fallback,
                                   std::string_view context);

}  // namespace clipglass::grid::internal
