// An experiment grid (experiments/*.yaml) expanded into its runs, as plain values.
//
// A grid names a sweep and one or more axes blocks; each block's runs are the Cartesian product of
// its axes, expanded in a fixed order (generator, discriminator, target, override, seed; the last
// varies fastest), and blocks follow each other. docs/grid_format.md has the schema and the rules.
//
// Everything is checked by LoadGrid before any work starts: the first problem is returned as one
// line "file:line:column: message" (InvalidArgument). Thread-safety: plain values, immutable once
// loaded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "coordinator/grid/enum_names.h"
#include "coordinator/grid/file_location.h"
#include "coordinator/grid/ga_settings.h"
#include "coordinator/grid/generator_config.h"

namespace clipglass::grid {

enum class TargetKind {
  kCaption,  // txt2img: the text to draw
  kImage,    // img2txt: the image to describe
};
inline constexpr EnumName<TargetKind> kTargetKindNames[] = {{"caption", TargetKind::kCaption},
                                                            {"image", TargetKind::kImage}};
inline std::string_view TargetKindName(TargetKind k) {
  return NameIn<TargetKind>(kTargetKindNames, k);
}

struct Target {
  TargetKind kind = TargetKind::kCaption;
  std::string text;    // the caption, or the image path as written in the grid
  std::string path;    // image: the file to open (relative paths joined to the grid's folder)
  std::string sha256;  // image: SHA-256 (hex) of the file's bytes when the grid was loaded
};

// One run: a generator config, a target, a seed and the resolved GA settings.
struct RunSpec {
  int64_t index = 0;       // position in the expansion order, from 0
  std::string id;          // "0003-StyleGAN2_ffhq_d-t1-s7": index, config, target, override, seed
  int64_t block = 0;       // the axes block that produced it, from 0
  std::string generator;   // the generator axis value as written ("StyleGAN2_ffhq")
  GeneratorConfig config;  // the resolved config ("StyleGAN2_ffhq_d"), config.ga as in its file
  Target target;
  int64_t target_index = 0;    // position of the target in its block's target axis
  bool discriminator = false;  // == config.use_discriminator: a second objective
  uint64_t seed = 0;           // the run's seed; islands derive theirs from it
  std::string override_name;   // the override set's name; empty when the block has none
  GaSettings ga;               // config ga <- grid settings <- block settings <- override set
  FileLocation where;          // the generator axis item that produced it, for later errors

  Task task() const { return config.task; }
  int objectives() const { return discriminator ? 2 : 1; }
};

struct Grid {
  std::string name;           // the sweep's name: letters, digits, '_', '-', '.'
  std::string description;    // free text
  std::string path;           // the grid file as given to LoadGrid
  std::string source_text;    // the file's text as loaded (the archive keeps it)
  std::string archive;        // output archive file name; default "<name>.h5"
  std::string configs_dir;    // where the generator configs were read
  std::string weights_dir;    // what relative weights paths were resolved against
  std::vector<RunSpec> runs;  // in expansion order; runs[i].index == i
};

struct GridOptions {
  std::string configs_dir;  // "" = DefaultConfigsDir(grid path)
  std::string weights_dir;  // "" = DefaultWeightsDir()
};

// Reads, expands and checks a grid, reading the configs it names from the configs directory.
StatusOr<Grid> LoadGrid(const std::string& path, const GridOptions& options = {});

// $CLIPGLASS_WEIGHTS_DIR when set and non-empty, else "weights" (relative to the working
// directory).
std::string DefaultWeightsDir();

// "configs" when the working directory has one, else the "configs" folder beside the grid's folder
// (experiments/x.yaml -> configs/), so that grids work from the repository root and from anywhere.
std::string DefaultConfigsDir(const std::string& grid_path);

}  // namespace clipglass::grid
