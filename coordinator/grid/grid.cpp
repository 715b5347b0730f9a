#include "coordinator/grid/grid.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/file_util.h"
#include "common/png_codec.h"
#include "coordinator/grid/config_loader.h"
#include "coordinator/grid/config_loader_internal.h"
#include "coordinator/grid/ga_spec.h"
#include "coordinator/grid/sha256.h"
#include "coordinator/grid/yaml_reader.h"

namespace clipglass::grid {
namespace fs = std::filesystem;

namespace {

using internal::ExpectList;
using internal::GaSpec;
using internal::LoadedConfig;
using internal::MapReader;
using internal::YamlDocument;

const std::vector<std::string> kGridKeys = {"name", "description", "archive", "settings", "axes"};
const std::vector<std::string> kBlockKeys = {"generator", "target",    "discriminator",
                                             "seed",      "overrides", "settings"};

struct GeneratorItem {
  std::string name;
  FileLocation where;
};
struct TargetItem {
  Target target;
  FileLocation where;
};
struct DiscriminatorItem {
  bool value = false;
  FileLocation where;
};
struct SeedItem {
  uint64_t value = 0;
  FileLocation where;
};
struct OverrideItem {
  std::string name;
  GaSpec spec;
  FileLocation where;
};

// One axes block, read and checked, not yet expanded.
struct Block {
  std::vector<GeneratorItem> generators;
  std::vector<TargetItem> targets;
  std::optional<std::vector<DiscriminatorItem>> discriminators;  // absent: as the config says
  std::vector<SeedItem> seeds;
  std::optional<std::vector<OverrideItem>> overrides;
  GaSpec settings;
};

bool IsPlainName(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-' && ch != '.') {
      return false;
    }
  }
  return true;
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

class GridLoader {
 public:
  GridLoader(const YamlDocument& doc, std::string configs_dir, std::string weights_dir)
      : doc_(doc), configs_dir_(std::move(configs_dir)), weights_dir_(std::move(weights_dir)) {}

  StatusOr<Grid> Load();

 private:
  Status ReadBlock(const YAML::Node& node, size_t index, Block* out);
  Status ReadGenerators(const MapReader& block, Block* out);
  Status ReadTargets(const MapReader& block, Block* out);
  Status ReadImageTarget(const YAML::Node& node, Target* out);
  Status ReadDiscriminators(const MapReader& block, Block* out);
  Status ReadSeeds(const MapReader& block, Block* out);
  Status ReadOverrides(const MapReader& block, Block* out);

  StatusOr<const LoadedConfig*> Resolve(const GeneratorItem& g, const DiscriminatorItem* d);
  StatusOr<const LoadedConfig*> LoadNamed(const std::string& name, const GeneratorItem& g);
  bool ConfigExists(const std::string& name) const;
  Status UnknownGenerator(const GeneratorItem& g);

  Status Expand(const Block& block, int64_t block_index, const GaSpec& grid_settings,
                std::vector<RunSpec>* runs);

  const YamlDocument& doc_;
  const std::string configs_dir_;
  const std::string weights_dir_;
  std::map<std::string, LoadedConfig> configs_;
};

StatusOr<Grid> GridLoader::Load() {
  if (doc_.root().IsNull()) {
    return ErrorAt({doc_.path(), 1, 1}, "empty grid, expected a map with name and axes");
  }
  CG_ASSIGN_OR_RETURN(MapReader root, MapReader::Open(doc_, doc_.root(), "the grid", [] {
                        std::vector<std::string> keys = kGridKeys;
                        return keys;
                      }()));
  Grid grid;
  grid.path = doc_.path();
  grid.source_text = doc_.text();
  grid.configs_dir = configs_dir_;
  grid.weights_dir = weights_dir_;
  CG_RETURN_IF_ERROR(root.Require("name"));
  CG_RETURN_IF_ERROR(root.ReadString("name", &grid.name));
  if (!IsPlainName(grid.name)) {
    return ErrorAt(root.Where("name"),
                   "'name' must be letters, digits, '_', '-' or '.', got '" + grid.name + "'");
  }
  CG_RETURN_IF_ERROR(root.ReadString("description", &grid.description));
  grid.archive = grid.name + ".h5";
  CG_RETURN_IF_ERROR(root.ReadString("archive", &grid.archive));
  if (IsBlank(grid.archive)) return ErrorAt(root.Where("archive"), "'archive' must not be empty");

  GaSpec settings;
  if (root.Has("settings")) {
    CG_ASSIGN_OR_RETURN(MapReader s, MapReader::Open(doc_, root.Value("settings"), "settings",
                                                     internal::GaSpecKeys()));
    CG_RETURN_IF_ERROR(internal::ReadGaSpec(s, &settings));
  }

  CG_RETURN_IF_ERROR(root.Require("axes"));
  const YAML::Node& axes = root.Value("axes");
  std::vector<YAML::Node> block_nodes;
  if (axes.IsMap()) {
    block_nodes.push_back(axes);
  } else if (axes.IsSequence()) {
    if (axes.size() == 0) return ErrorAt(root.Where("axes"), "'axes' has no blocks");
    for (const auto& b : axes) block_nodes.push_back(b);
  } else {
    return ErrorAt(root.Where("axes"), "'axes' must be a map of axes or a list of such maps, got " +
                                           internal::DescribeNode(axes));
  }
  for (size_t i = 0; i < block_nodes.size(); ++i) {
    Block block;
    CG_RETURN_IF_ERROR(ReadBlock(block_nodes[i], i, &block));
    CG_RETURN_IF_ERROR(Expand(block, static_cast<int64_t>(i), settings, &grid.runs));
  }

  // Ids: a zero-padded index (at least 4 digits), then what tells the runs apart.
  const size_t width = std::max<size_t>(4, std::to_string(grid.runs.size() - 1).size());
  for (size_t i = 0; i < grid.runs.size(); ++i) {
    RunSpec& run = grid.runs[i];
    run.index = static_cast<int64_t>(i);
    run.id = fmt::format("{:0{}}-{}-t{}{}-s{}", i, width, run.config.name, run.target_index,
                         run.override_name.empty() ? "" : "-" + run.override_name, run.seed);
  }
  return grid;
}

Status GridLoader::ReadBlock(const YAML::Node& node, size_t index, Block* out) {
  const std::string what = fmt::format("axes block {}", index + 1);
  CG_ASSIGN_OR_RETURN(MapReader block, MapReader::Open(doc_, node, what, kBlockKeys));
  CG_RETURN_IF_ERROR(block.Require("generator"));
  CG_RETURN_IF_ERROR(block.Require("target"));
  CG_RETURN_IF_ERROR(ReadGenerators(block, out));
  CG_RETURN_IF_ERROR(ReadTargets(block, out));
  CG_RETURN_IF_ERROR(ReadDiscriminators(block, out));
  CG_RETURN_IF_ERROR(ReadSeeds(block, out));
  CG_RETURN_IF_ERROR(ReadOverrides(block, out));
  if (block.Has("settings")) {
    CG_ASSIGN_OR_RETURN(MapReader s, MapReader::Open(doc_, block.Value("settings"),
                                                     what + " settings", internal::GaSpecKeys()));
    CG_RETURN_IF_ERROR(internal::ReadGaSpec(s, &out->settings));
  }
  return Status::Ok();
}

// An axis: a non-empty list.
Status CheckAxis(const MapReader& block, std::string_view key) {
  const YAML::Node& node = block.Value(key);
  if (node.IsNull() || (node.IsSequence() && node.size() == 0)) {
    return ErrorAt(block.Where(key), "axis '" + std::string(key) + "' is empty");
  }
  return ExpectList(block.doc(), node, "axis '" + std::string(key) + "'");
}

Status GridLoader::ReadGenerators(const MapReader& block, Block* out) {
  CG_RETURN_IF_ERROR(CheckAxis(block, "generator"));
  std::set<std::string> seen;
  for (const auto& item : block.Value("generator")) {
    GeneratorItem g;
    g.where = doc_.Locate(item);
    CG_RETURN_IF_ERROR(internal::NodeToString(doc_, item, "an item of axis 'generator'", &g.name));
    if (!IsPlainName(g.name)) {
      return ErrorAt(g.where, "axis 'generator': '" + g.name +
                                  "' is not a config name (configs/<name>.yaml, no path)");
    }
    if (!seen.insert(g.name).second) {
      return ErrorAt(g.where, "axis 'generator': '" + g.name + "' is listed twice");
    }
    out->generators.push_back(g);
  }
  return Status::Ok();
}

Status GridLoader::ReadImageTarget(const YAML::Node& node, Target* out) {
  out->kind = TargetKind::kImage;
  CG_RETURN_IF_ERROR(internal::NodeToString(doc_, node, "'image'", &out->text));
  const FileLocation where = doc_.Locate(node);
  if (IsBlank(out->text)) return ErrorAt(where, "axis 'target': image path is empty");
  // Relative to the grid's folder, so a grid works from any working directory.
  const fs::path given(out->text);
  out->path = (given.is_absolute() ? given : fs::path(doc_.path()).parent_path() / given)
                  .lexically_normal()
                  .string();
  std::error_code ec;
  if (!fs::is_regular_file(out->path, ec)) {
    return ErrorAt(where, fmt::format("axis 'target': image '{}' not found (looked for {})",
                                      out->text, out->path));
  }
  StatusOr<std::string> bytes = ReadFileToString(out->path);
  if (!bytes.ok()) {
    return ErrorAt(where, "axis 'target': image '" + out->text +
                              "' cannot be read: " + bytes.status().message());
  }
  // Decoded in full now, so that a truncated or mislabelled file fails before any work starts.
  StatusOr<RgbImage> image = DecodePng(*bytes, "'" + out->text + "'");
  if (!image.ok()) {
    return ErrorAt(where, "axis 'target': image " + image.status().message() +
                              " (target images are PNG files)");
  }
  out->sha256 = Sha256Hex(*bytes);
  return Status::Ok();
}

Status GridLoader::ReadTargets(const MapReader& block, Block* out) {
  CG_RETURN_IF_ERROR(CheckAxis(block, "target"));
  std::set<std::pair<TargetKind, std::string>> seen;
  for (const auto& item : block.Value("target")) {
    TargetItem t;
    t.where = doc_.Locate(item);
    if (item.IsMap()) {
      // {caption: text} or {image: path}: exactly one key.
      CG_ASSIGN_OR_RETURN(MapReader m,
                          MapReader::Open(doc_, item, "a target", {"caption", "image"}));
      if (m.entries().size() != 1) {
        return ErrorAt(t.where, "a target is {caption: text} or {image: path}, one key only");
      }
      if (m.Has("image")) {
        CG_RETURN_IF_ERROR(ReadImageTarget(m.Value("image"), &t.target));
      } else {
        t.where = m.Where("caption");
        CG_RETURN_IF_ERROR(m.ReadString("caption", &t.target.text));
      }
    } else if (item.IsScalar()) {
      t.target.text = item.Scalar();
    } else {
      return ErrorAt(t.where, "an item of axis 'target' must be a caption or {image: path}, got " +
                                  internal::DescribeNode(item));
    }
    if (t.target.kind == TargetKind::kCaption && IsBlank(t.target.text)) {
      return ErrorAt(t.where, "axis 'target': caption is empty");
    }
    if (!seen.insert({t.target.kind, t.target.text}).second) {
      return ErrorAt(t.where, "axis 'target': '" + t.target.text + "' is listed twice");
    }
    out->targets.push_back(std::move(t));
  }
  return Status::Ok();
}

Status GridLoader::ReadDiscriminators(const MapReader& block, Block* out) {
  if (!block.Has("discriminator")) return Status::Ok();
  CG_RETURN_IF_ERROR(CheckAxis(block, "discriminator"));
  out->discriminators.emplace();
  for (const auto& item : block.Value("discriminator")) {
    DiscriminatorItem d;
    d.where = doc_.Locate(item);
    CG_RETURN_IF_ERROR(
        internal::NodeToBool(doc_, item, "an item of axis 'discriminator'", &d.value));
    for (const auto& other : *out->discriminators) {
      if (other.value == d.value) {
        return ErrorAt(d.where, fmt::format("axis 'discriminator': {} is listed twice", d.value));
      }
    }
    out->discriminators->push_back(d);
  }
  return Status::Ok();
}

Status GridLoader::ReadSeeds(const MapReader& block, Block* out) {
  if (!block.Has("seed")) {
    out->seeds.push_back({0, block.location()});
    return Status::Ok();
  }
  const YAML::Node& node = block.Value("seed");
  if (node.IsMap()) {
    // {first: F, count: N} is shorthand for [F, F+1, ..., F+N-1].
    CG_ASSIGN_OR_RETURN(MapReader range,
                        MapReader::Open(doc_, node, "axis 'seed'", {"first", "count"}));
    CG_RETURN_IF_ERROR(range.Require("count"));
    int64_t first = 0, count = 0;
    CG_RETURN_IF_ERROR(range.ReadInt("first", &first));
    CG_RETURN_IF_ERROR(range.ReadInt("count", &count));
    if (first < 0) return ErrorAt(range.Where("first"), "axis 'seed': seeds must be >= 0");
    if (count < 1) return ErrorAt(range.Where("count"), "axis 'seed' is empty (count < 1)");
    for (int64_t i = 0; i < count; ++i) {
      out->seeds.push_back({static_cast<uint64_t>(first + i), range.Where("first")});
    }
    return Status::Ok();
  }
  CG_RETURN_IF_ERROR(CheckAxis(block, "seed"));
  std::set<uint64_t> seen;
  for (const auto& item : node) {
    SeedItem s;
    s.where = doc_.Locate(item);
    int64_t value = 0;
    CG_RETURN_IF_ERROR(internal::NodeToInt(doc_, item, "an item of axis 'seed'", &value));
    if (value < 0) return ErrorAt(s.where, fmt::format("axis 'seed': seed {} must be >= 0", value));
    s.value = static_cast<uint64_t>(value);
    if (!seen.insert(s.value).second) {
      return ErrorAt(s.where, fmt::format("axis 'seed': {} is listed twice", value));
    }
    out->seeds.push_back(s);
  }
  return Status::Ok();
}

Status GridLoader::ReadOverrides(const MapReader& block, Block* out) {
  if (!block.Has("overrides")) return Status::Ok();
  CG_RETURN_IF_ERROR(CheckAxis(block, "overrides"));
  std::vector<std::string> keys = internal::GaSpecKeys();
  keys.insert(keys.begin(), "name");
  out->overrides.emplace();
  const YAML::Node& list = block.Value("overrides");
  for (size_t i = 0; i < list.size(); ++i) {
    OverrideItem o;
    o.where = doc_.Locate(list[i]);
    CG_ASSIGN_OR_RETURN(
        MapReader m, MapReader::Open(doc_, list[i], fmt::format("override set {}", i + 1), keys));
    CG_RETURN_IF_ERROR(m.Require("name"));
    CG_RETURN_IF_ERROR(m.ReadString("name", &o.name));
    if (!IsPlainName(o.name)) {
      return ErrorAt(m.Where("name"), "override 'name' must be letters, digits, '_', '-' or '.'");
    }
    for (const auto& other : *out->overrides) {
      if (other.name == o.name) {
        return ErrorAt(m.Where("name"), "axis 'overrides': name '" + o.name + "' is used twice");
      }
    }
    CG_RETURN_IF_ERROR(internal::ReadGaSpec(m, &o.spec));
    out->overrides->push_back(std::move(o));
  }
  return Status::Ok();
}

bool GridLoader::ConfigExists(const std::string& name) const {
  std::error_code ec;
  return fs::is_regular_file(fs::path(configs_dir_) / (name + ".yaml"), ec);
}

StatusOr<const LoadedConfig*> GridLoader::LoadNamed(const std::string& name,
                                                    const GeneratorItem& g) {
  auto it = configs_.find(name);
  if (it == configs_.end()) {
    const std::string path = (fs::path(configs_dir_) / (name + ".yaml")).string();
    StatusOr<LoadedConfig> loaded = internal::LoadConfig(path, weights_dir_);
    if (!loaded.ok()) {
      // The config's own line first, then which grid line asked for it.
      return InvalidArgumentError(loaded.status().message() + " (config of generator '" + g.name +
                                  "' at " + g.where.ToString() + ")");
    }
    it = configs_.emplace(name, std::move(loaded).value()).first;
  }
  return &it->second;
}

Status GridLoader::UnknownGenerator(const GeneratorItem& g) {
  std::error_code ec;
  if (!fs::is_directory(configs_dir_, ec)) {
    return ErrorAt(g.where, "axis 'generator': configs directory '" + configs_dir_ +
                                "' not found (pass --configs DIR)");
  }
  CG_ASSIGN_OR_RETURN(std::vector<std::string> stems, ListConfigNames(configs_dir_));
  // Known names: every config, and every generator that has _d / _nod variants.
  std::set<std::string> known(stems.begin(), stems.end());
  for (const std::string& s : stems) {
    for (std::string_view suffix : {"_d", "_nod"}) {
      if (s.size() > suffix.size() && s.ends_with(suffix)) {
        known.insert(s.substr(0, s.size() - suffix.size()));
      }
    }
  }
  const std::vector<std::string> names(known.begin(), known.end());
  return ErrorAt(g.where, "axis 'generator': unknown generator '" + g.name + "'" +
                              DidYouMean(g.name, names) + "; known: " + JoinNames(names));
}

StatusOr<const LoadedConfig*> GridLoader::Resolve(const GeneratorItem& g,
                                                  const DiscriminatorItem* d) {
  const std::string& name = g.name;
  if (ConfigExists(name)) {
    CG_ASSIGN_OR_RETURN(const LoadedConfig* c, LoadNamed(name, g));
    if (d == nullptr || d->value == c->config.use_discriminator) return c;
    for (std::string_view suffix : {"_d", "_nod"}) {
      if (name.size() > suffix.size() && name.ends_with(suffix)) {
        const std::string base = name.substr(0, name.size() - suffix.size());
        return ErrorAt(d->where, fmt::format("axis 'discriminator': {} conflicts with config '{}', "
                                             "which fixes use_discriminator: {}; name the "
                                             "generator '{}' to sweep the discriminator",
                                             d->value, name, c->config.use_discriminator, base));
      }
    }
    return ErrorAt(d->where,
                   d->value ? fmt::format("axis 'discriminator': true, but generator '{}' has no "
                                          "discriminator (no config {}_d)",
                                          name, name)
                            : fmt::format("axis 'discriminator': false, but generator '{}' always "
                                          "uses its discriminator (no config {}_nod)",
                                          name, name));
  }
  const bool has_d = ConfigExists(name + "_d");
  const bool has_nod = ConfigExists(name + "_nod");
  if (!has_d && !has_nod) return UnknownGenerator(g);
  if (d == nullptr) {
    if (has_d && has_nod) {
      return ErrorAt(g.where, fmt::format("axis 'generator': '{}' has configs {}_d and {}_nod: add "
                                          "an axis 'discriminator: [true, false]' or name one",
                                          name, name, name));
    }
    return LoadNamed(name + (has_d ? "_d" : "_nod"), g);
  }
  if (d->value && !has_d) {
    return ErrorAt(d->where, fmt::format("axis 'discriminator': true, but generator '{}' has no "
                                         "discriminator (no config {}_d)",
                                         name, name));
  }
  if (!d->value && !has_nod) {
    return ErrorAt(d->where, fmt::format("axis 'discriminator': false, but generator '{}' has no "
                                         "config {}_nod",
                                         name, name));
  }
  return LoadNamed(name + (d->value ? "_d" : "_nod"), g);
}

Status GridLoader::Expand(const Block& block, int64_t block_index, const GaSpec& grid_settings,
                          std::vector<RunSpec>* runs) {
  // Absent optional axes expand as one "as configured" value.
  std::vector<const DiscriminatorItem*> discriminators = {nullptr};
  if (block.discriminators) {
    discriminators.clear();
    for (const auto& d : *block.discriminators) discriminators.push_back(&d);
  }
  std::vector<const OverrideItem*> overrides = {nullptr};
  if (block.overrides) {
    overrides.clear();
    for (const auto& o : *block.overrides) overrides.push_back(&o);
  }
  const GaSpec shared = internal::MergeGaSpec(grid_settings, block.settings);

  // Two generator items that resolve to one config would repeat every run.
  std::map<std::string, std::string> produced_by;
  for (const GeneratorItem& g : block.generators) {
    for (const DiscriminatorItem* d : discriminators) {
      CG_ASSIGN_OR_RETURN(const LoadedConfig* loaded, Resolve(g, d));
      const GeneratorConfig& config = loaded->config;
      const auto [it, fresh] = produced_by.emplace(config.name, g.name);
      if (!fresh) {
        return ErrorAt(g.where, fmt::format("axis 'generator': '{}' resolves to config {}, which "
                                            "'{}' already gives: the runs would repeat",
                                            g.name, config.name, it->second));
      }
      for (size_t k = 0; k < block.targets.size(); ++k) {
        const TargetItem& t = block.targets[k];
        if (config.task == Task::kImg2Txt && t.target.kind == TargetKind::kCaption) {
          return ErrorAt(t.where, fmt::format("axis 'target': a caption cannot be the target of "
                                              "'{}', which is img2txt (write {{image: path}})",
                                              config.name));
        }
        if (config.task == Task::kTxt2Img && t.target.kind == TargetKind::kImage) {
          return ErrorAt(t.where, fmt::format("axis 'target': an image cannot be the target of "
                                              "'{}', which is txt2img (give a caption)",
                                              config.name));
        }
        for (const OverrideItem* o : overrides) {
          GaSpec spec = internal::MergeGaSpec(loaded->ga_spec, shared);
          if (o != nullptr) spec = internal::MergeGaSpec(spec, o->spec);
          const std::string context =
              o == nullptr ? fmt::format("(config {})", config.name)
                           : fmt::format("(config {}, override '{}')", config.name, o->name);
          CG_ASSIGN_OR_RETURN(GaSettings ga,
                              internal::ResolveGaSpec(spec, config.objectives(), g.where, context));
          for (const SeedItem& s : block.seeds) {
            RunSpec run;
            run.block = block_index;
            run.generator = g.name;
            run.config = config;
            run.target = t.target;
            run.target_index = static_cast<int64_t>(k);
            run.discriminator = config.use_discriminator;
            run.seed = s.value;
            run.override_name = o == nullptr ? "" : o->name;
            run.ga = ga;
            run.where = g.where;
            runs->push_back(std::move(run));
          }
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Grid> LoadGrid(const std::string& path, const GridOptions& options) {
  CG_ASSIGN_OR_RETURN(YamlDocument doc, YamlDocument::Load(path));
  GridLoader loader(doc,
                    options.configs_dir.empty() ? DefaultConfigsDir(path) : options.configs_dir,
                    options.weights_dir.empty() ? DefaultWeightsDir() : options.weights_dir);
  return loader.Load();
}

std::string DefaultWeightsDir() {
  const char* env = std::getenv("CLIPGLASS_WEIGHTS_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  return "weights";
}

std::string DefaultConfigsDir(const std::string& grid_path) {
  std::error_code ec;
  if (fs::is_directory("configs", ec)) return "configs";
  const fs::path grid_dir = fs::path(grid_path).parent_path();
  return (grid_dir.empty() ? fs::path("..") / "configs" : grid_dir / ".." / "configs")
      .lexically_normal()
      .string();
}

}  // namespace clipglass::grid
