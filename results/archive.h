// The sweep archive: what one sweep produced, as plain values, and its HDF5 file.
//
// One file per sweep, one group per run (docs/archive_format.md has the full schema). Files are
// always written whole to a temporary name and renamed over the old one, so after any crash the
// archive on disk is a complete, valid HDF5 file as of the last checkpoint.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"

namespace clipglass::results {

// Bumped whenever a reader of the previous version would misread a file.
inline constexpr int64_t kArchiveSchemaVersion = 1;

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// A scalar attribute: an integer (also used for booleans, 0/1), a real or a UTF-8 string.
using AttributeValue = std::variant<int64_t, double, std::string>;
using Attributes = std::map<std::string, AttributeValue>;

// Statistics of one completed generation of a run (all islands together).
struct GenerationStats {
  int64_t generation = 0;             // generations completed, 1-based
  double best_similarity = kNoValue;  // max CLIP cosine similarity so far in the population
  double mean_similarity = kNoValue;
  double median_similarity = kNoValue;
  double best_discriminator_loss = kNoValue;  // min relu(1 - D(G(z))); NaN without discriminator
  double mean_discriminator_loss = kNoValue;
  double hypervolume = kNoValue;  // 2 objectives only (see docs for the reference point)
  int64_t evaluations = 0;        // cumulative genomes evaluated by workers
  double wall_seconds = 0;        // since the run started (excluding paused time)
};

// A set of individuals: genomes and their objective values, row-major.
struct Population {
  int64_t generation = 0;
  int64_t genes = 0;            // columns of `genomes`
  int64_t objectives = 0;       // columns of `values`
  std::vector<double> genomes;  // [rows, genes]; integers and bools stored exactly
  std::vector<double> values;   // [rows, objectives]; as reported (similarity, loss)
  std::vector<int32_t> island;  // [rows]; which island each individual lives on

  int64_t rows() const { return genes == 0 ? 0 : static_cast<int64_t>(genomes.size()) / genes; }
};

// An 8-bit RGB image, pixel-interleaved, row-major [height, width, 3].
struct Image {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> rgb;
  bool empty() const { return rgb.empty(); }
};

// The individual the run chose at the end (GA: best; NSGA-II: pseudo-weights decision).
struct FinalIndividual {
  std::vector<double> genome;
  std::vector<double> objectives;  // in the order of RunRecord::objective_names
  Image image;                     // txt2img
  std::string caption;             // img2txt
};

struct RunRecord {
  std::string id;                 // e.g. "0003-StyleGAN2_ffhq_d-s1"; the group name
  int64_t index = 0;              // position in the grid's expansion order
  Attributes attributes;          // resolved settings: generator, task, target, seed, ...
  std::string config_yaml;        // the resolved run config, as YAML
  std::string state = "pending";  // pending | running | done | failed
  std::string error;              // why it failed (one line), empty otherwise
  int64_t generations_done = 0;
  int64_t generations_total = 0;
  int64_t evaluations = 0;  // genomes evaluated by workers
  int64_t cache_hits = 0;   // genomes answered from the per-run cache instead
  double wall_seconds = 0;
  std::vector<std::string> objective_names;  // "similarity" [, "discriminator_loss"]
  std::vector<GenerationStats> stats;        // one per completed generation
  std::vector<Population> snapshots;         // every save_every generations and the last
  std::optional<Population> pareto_front;    // non-dominated set at the end (2 objectives)
  std::optional<FinalIndividual> final_individual;
  std::vector<uint8_t> engine_state;  // opaque GA state (populations, RNG) for --resume
};

struct Provenance {
  std::string program_version;
  std::string git_commit;
  std::string created_utc;  // ISO 8601
  std::string hostname;
  std::map<std::string, std::string> weights_sha256;  // weights path -> SHA-256 hex
  std::vector<std::string> worker_devices;            // "worker-id device device-name", one each
};

struct SweepRecord {
  int64_t schema_version = kArchiveSchemaVersion;
  std::string name;
  std::string grid_path;
  std::string grid_yaml;          // the grid file's text as it was run
  std::string state = "running";  // running | done | interrupted
  Provenance provenance;
  std::vector<RunRecord> runs;
};

// Writes the whole archive to `path` atomically (temporary file, then rename).
Status WriteArchive(const std::string& path, const SweepRecord& sweep);

// Reads an archive written by WriteArchive. Never modifies the file. Errors name the path and the
// object that is missing or malformed; a newer schema_version is an error saying so.
StatusOr<SweepRecord> ReadArchive(const std::string& path);

}  // namespace clipglass::results
