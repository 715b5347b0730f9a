#include "coordinator/grid/config_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "coordinator/grid/config_loader_internal.h"
#include "coordinator/grid/yaml_reader.h"

namespace clipglass::grid {
namespace fs = std::filesystem;

namespace internal {
namespace {

constexpr std::string_view kDefaultClipWeights = "clip/ViT-B-32.pt";

const std::vector<std::string> kRootKeys = {
    "description", "task", "use_discriminator", "model", "clip", "genome", "ga"};
const std::vector<std::string> kCommonModelKeys = {"family", "generator_weights", "image_size"};
const std::vector<std::string> kStyleGan2Keys = {"discriminator_weights", "truncation_psi"};
const std::vector<std::string> kBigGanKeys = {"truncation", "num_classes", "z_clip"};
const std::vector<std::string> kGpt2Keys = {
    "context",    "generated_tokens", "max_chars",
    "decoding",   "temperature",      "top_k",
    "vocab_size", "genome_token_ids", "genome_token_ids_segment"};
const std::vector<std::string> kClipKeys = {"weights", "image_size", "normalize"};
const std::vector<std::string> kSegmentKeys = {"name",    "kind", "size", "low", "high",
                                               "sampler", "mean", "std",  "p"};

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string ResolveWeightsPath(const std::string& weights_dir, const std::string& relative) {
  const fs::path p(relative);
  if (p.is_absolute() || weights_dir.empty()) return p.lexically_normal().string();
  return (fs::path(weights_dir) / p).lexically_normal().string();
}

Status ReadWeights(const MapReader& map, std::string_view key, const std::string& weights_dir,
                   WeightsFile* out) {
  std::string relative;
  CG_RETURN_IF_ERROR(map.ReadString(key, &relative));
  if (relative.empty()) {
    return ErrorAt(map.Where(key), "'" + std::string(key) + "' must name a weights file");
  }
  out->relative = relative;
  out->path = ResolveWeightsPath(weights_dir, relative);
  out->where = map.Where(key);
  return Status::Ok();
}

Status ReadModel(const MapReader& model, const std::string& weights_dir, ModelSettings* out) {
  CG_RETURN_IF_ERROR(model.Require("family"));
  CG_RETURN_IF_ERROR(model.ReadEnum<ModelFamily>("family", kModelFamilyNames, &out->family));
  const std::vector<std::string>* family_keys = nullptr;
  switch (out->family) {
    case ModelFamily::kStyleGan2:
      family_keys = &kStyleGan2Keys;
      break;
    case ModelFamily::kBigGan:
      family_keys = &kBigGanKeys;
      break;
    case ModelFamily::kGpt2:
      family_keys = &kGpt2Keys;
      break;
  }
  const std::string family(ModelFamilyName(out->family));
  for (const auto& entry : model.entries()) {
    if (!Contains(kCommonModelKeys, entry.key) && !Contains(*family_keys, entry.key)) {
      return model.doc().Error(entry.key_node, "key '" + entry.key +
                                                   "' of model is not a setting of "
                                                   "family " +
                                                   family);
    }
  }
  CG_RETURN_IF_ERROR(model.Require("generator_weights"));
  CG_RETURN_IF_ERROR(ReadWeights(model, "generator_weights", weights_dir, &out->generator));
  CG_RETURN_IF_ERROR(model.ReadInt("image_size", &out->image_size));
  if (out->image_size < 0) {
    return ErrorAt(model.Where("image_size"),
                   "'image_size' must be >= 0 (0 = inferred from the weights)");
  }
  switch (out->family) {
    case ModelFamily::kStyleGan2: {
      if (model.Has("discriminator_weights")) {
        CG_RETURN_IF_ERROR(
            ReadWeights(model, "discriminator_weights", weights_dir, &out->discriminator));
      }
      CG_RETURN_IF_ERROR(model.ReadDouble("truncation_psi", &out->stylegan2.truncation_psi));
      break;
    }
    case ModelFamily::kBigGan: {
      BigGanSettings& b = out->biggan;
      CG_RETURN_IF_ERROR(model.ReadDouble("truncation", &b.truncation));
      CG_RETURN_IF_ERROR(model.ReadInt("num_classes", &b.num_classes));
      CG_RETURN_IF_ERROR(model.ReadDouble("z_clip", &b.z_clip));
      if (!(b.truncation > 0 && b.truncation <= 1)) {
        return ErrorAt(model.Where("truncation"),
                       fmt::format("'truncation' {} must be in (0, 1]", b.truncation));
      }
      if (b.num_classes < 1) {
        return ErrorAt(model.Where("num_classes"),
                       fmt::format("'num_classes' {} must be >= 1", b.num_classes));
      }
      if (!(b.z_clip > 0)) {
        return ErrorAt(model.Where("z_clip"), fmt::format("'z_clip' {} must be > 0", b.z_clip));
      }
      break;
    }
    case ModelFamily::kGpt2: {
      Gpt2Settings& g = out->gpt2;
      CG_RETURN_IF_ERROR(model.ReadString("context", &g.context));
      CG_RETURN_IF_ERROR(model.ReadInt("generated_tokens", &g.generated_tokens));
      CG_RETURN_IF_ERROR(model.ReadInt("max_chars", &g.max_chars));
      CG_RETURN_IF_ERROR(model.ReadEnum<Decoding>("decoding", kDecodingNames, &g.decoding));
      CG_RETURN_IF_ERROR(model.ReadDouble("temperature", &g.temperature));
      CG_RETURN_IF_ERROR(model.ReadInt("top_k", &g.top_k));
      CG_RETURN_IF_ERROR(model.ReadInt("vocab_size", &g.vocab_size));
      if (g.generated_tokens < 1) {
        return ErrorAt(model.Where("generated_tokens"),
                       fmt::format("'generated_tokens' {} must be >= 1", g.generated_tokens));
      }
      if (g.max_chars < 1) {
        return ErrorAt(model.Where("max_chars"),
                       fmt::format("'max_chars' {} must be >= 1", g.max_chars));
      }
      if (!(g.temperature > 0)) {
        return ErrorAt(model.Where("temperature"),
                       fmt::format("'temperature' {} must be > 0", g.temperature));
      }
      if (g.top_k < 0) {
        return ErrorAt(model.Where("top_k"),
                       fmt::format("'top_k' {} must be >= 0 (0 = no top-k)", g.top_k));
      }
      if (g.vocab_size < 1) {
        return ErrorAt(model.Where("vocab_size"),
                       fmt::format("'vocab_size' {} must be >= 1", g.vocab_size));
      }
      if (model.Has("genome_token_ids")) {
        const YAML::Node& list = model.Value("genome_token_ids");
        CG_RETURN_IF_ERROR(ExpectList(model.doc(), list, "'genome_token_ids'"));
        std::set<int64_t> seen;
        for (const YAML::Node& item : list) {
          int64_t id = 0;
          CG_RETURN_IF_ERROR(NodeToInt(model.doc(), item, "an item of 'genome_token_ids'", &id));
          if (id < 0 || id >= g.vocab_size) {
            return ErrorAt(model.Where("genome_token_ids"),
                           fmt::format("'genome_token_ids': {} is not in [0, vocab_size - 1 = {}]",
                                       id, g.vocab_size - 1));
          }
          if (!seen.insert(id).second) {
            return ErrorAt(model.Where("genome_token_ids"),
                           fmt::format("'genome_token_ids': {} is listed twice", id));
          }
          g.genome_token_ids.push_back(id);
        }
        if (g.genome_token_ids.empty()) {
          return ErrorAt(model.Where("genome_token_ids"), "'genome_token_ids' is empty");
        }
      }
      if (model.Has("genome_token_ids_segment")) {
        CG_RETURN_IF_ERROR(
            model.ReadString("genome_token_ids_segment", &g.genome_token_ids_segment));
        g.genome_token_ids_segment_where = model.Where("genome_token_ids_segment");
        if (g.genome_token_ids.empty()) {
          return ErrorAt(g.genome_token_ids_segment_where,
                         "'genome_token_ids_segment' needs 'genome_token_ids'");
        }
      }
      break;
    }
  }
  return Status::Ok();
}

Status ReadClip(const YamlDocument& doc, const MapReader& root, const std::string& weights_dir,
                ClipSettings* out) {
  out->weights.relative = std::string(kDefaultClipWeights);
  out->weights.path = ResolveWeightsPath(weights_dir, out->weights.relative);
  out->weights.where = root.Has("clip") ? root.Where("clip") : root.location();
  if (!root.Has("clip")) return Status::Ok();
  CG_ASSIGN_OR_RETURN(MapReader clip, MapReader::Open(doc, root.Value("clip"), "clip", kClipKeys));
  if (clip.Has("weights")) {
    CG_RETURN_IF_ERROR(ReadWeights(clip, "weights", weights_dir, &out->weights));
  }
  CG_RETURN_IF_ERROR(clip.ReadInt("image_size", &out->image_size));
  CG_RETURN_IF_ERROR(clip.ReadBool("normalize", &out->normalize));
  if (out->image_size < 0) {
    return ErrorAt(clip.Where("image_size"),
                   "'image_size' must be >= 0 (0 = inferred from the weights)");
  }
  return Status::Ok();
}

// Keys that only some segment kinds take.
Status RejectKeys(const MapReader& seg, std::initializer_list<std::string_view> keys,
                  std::string_view kind) {
  for (std::string_view key : keys) {
    if (seg.Has(key)) {
      return ErrorAt(seg.Where(key), "'" + std::string(key) + "' does not apply to a " +
                                         std::string(kind) + " segment");
    }
  }
  return Status::Ok();
}

Status ReadSegment(const YamlDocument& doc, const YAML::Node& node, size_t index,
                   GenomeSegment* out) {
  const std::string what = fmt::format("genome segment {}", index + 1);
  CG_ASSIGN_OR_RETURN(MapReader seg, MapReader::Open(doc, node, what, kSegmentKeys));
  CG_RETURN_IF_ERROR(seg.Require("kind"));
  CG_RETURN_IF_ERROR(seg.Require("size"));
  CG_RETURN_IF_ERROR(seg.ReadEnum<SegmentKind>("kind", kSegmentKindNames, &out->kind));
  out->name = fmt::format("segment{}", index);
  CG_RETURN_IF_ERROR(seg.ReadString("name", &out->name));
  if (out->name.empty()) return ErrorAt(seg.Where("name"), "'name' must not be empty");
  CG_RETURN_IF_ERROR(seg.ReadInt("size", &out->size));
  if (out->size < 1) {
    return ErrorAt(seg.Where("size"), fmt::format("'size' {} must be >= 1", out->size));
  }
  const std::string kind(SegmentKindName(out->kind));
  switch (out->kind) {
    case SegmentKind::kReal: {
      CG_RETURN_IF_ERROR(RejectKeys(seg, {"p"}, kind));
      CG_RETURN_IF_ERROR(seg.Require("low"));
      CG_RETURN_IF_ERROR(seg.Require("high"));
      CG_RETURN_IF_ERROR(seg.ReadDouble("low", &out->low));
      CG_RETURN_IF_ERROR(seg.ReadDouble("high", &out->high));
      if (!(out->low < out->high)) {
        return ErrorAt(seg.Where("high"),
                       fmt::format("'high' {} must be above 'low' {}", out->high, out->low));
      }
      out->sampler = Sampler::kNormal;
      CG_RETURN_IF_ERROR(seg.ReadEnum<Sampler>("sampler", kSamplerNames, &out->sampler));
      if (out->sampler == Sampler::kBernoulli) {
        return ErrorAt(seg.Where("sampler"),
                       "sampler bernoulli is for bool segments; a real segment takes normal, "
                       "truncnorm or uniform");
      }
      for (std::string_view key : {"mean", "std"}) {
        if (out->sampler == Sampler::kUniform && seg.Has(key)) {
          return ErrorAt(seg.Where(key),
                         "'" + std::string(key) + "' does not apply to sampler uniform");
        }
      }
      CG_RETURN_IF_ERROR(seg.ReadDouble("mean", &out->mean));
      CG_RETURN_IF_ERROR(seg.ReadDouble("std", &out->stddev));
      if (!(out->stddev > 0)) {
        return ErrorAt(seg.Where("std"), fmt::format("'std' {} must be > 0", out->stddev));
      }
      break;
    }
    case SegmentKind::kInteger: {
      CG_RETURN_IF_ERROR(RejectKeys(seg, {"p", "mean", "std"}, kind));
      CG_RETURN_IF_ERROR(seg.Require("low"));
      CG_RETURN_IF_ERROR(seg.Require("high"));
      int64_t low = 0, high = 0;
      CG_RETURN_IF_ERROR(seg.ReadInt("low", &low));
      CG_RETURN_IF_ERROR(seg.ReadInt("high", &high));
      if (low > high) {
        return ErrorAt(seg.Where("high"),
                       fmt::format("'high' {} must not be below 'low' {}", high, low));
      }
      out->low = static_cast<double>(low);
      out->high = static_cast<double>(high);
      out->sampler = Sampler::kUniform;
      CG_RETURN_IF_ERROR(seg.ReadEnum<Sampler>("sampler", kSamplerNames, &out->sampler));
      if (out->sampler != Sampler::kUniform) {
        return ErrorAt(seg.Where("sampler"), "an integer segment takes sampler uniform only");
      }
      break;
    }
    case SegmentKind::kBool: {
      CG_RETURN_IF_ERROR(RejectKeys(seg, {"low", "high", "mean", "std"}, kind));
      out->low = 0;
      out->high = 1;
      out->sampler = Sampler::kBernoulli;
      CG_RETURN_IF_ERROR(seg.ReadEnum<Sampler>("sampler", kSamplerNames, &out->sampler));
      if (out->sampler != Sampler::kBernoulli) {
        return ErrorAt(seg.Where("sampler"), "a bool segment takes sampler bernoulli only");
      }
      CG_RETURN_IF_ERROR(seg.ReadDouble("p", &out->p));
      if (!(out->p >= 0 && out->p <= 1)) {
        return ErrorAt(seg.Where("p"),
                       fmt::format("'p' {} must be a probability in [0, 1]", out->p));
      }
      break;
    }
  }
  return Status::Ok();
}

// The genome each family's generator can take (its segments, in order).
// `where` is the genome list; `segment_where` each segment's map.
Status CheckGenomeFitsFamily(const GeneratorConfig& c, const FileLocation& where,
                             const std::vector<FileLocation>& segment_where) {
  const auto& g = c.genome;
  const auto kind_list = [&] {
    std::vector<std::string> kinds;
    for (const auto& s : g) kinds.push_back(fmt::format("{} x{}", SegmentKindName(s.kind), s.size));
    return JoinNames(kinds);
  }();
  switch (c.model.family) {
    case ModelFamily::kStyleGan2:
      if (g.size() != 1 || g[0].kind != SegmentKind::kReal) {
        return ErrorAt(where, "a stylegan2 genome is one real segment (z), got: " + kind_list);
      }
      break;
    case ModelFamily::kBigGan:
      if (g.size() != 2 || g[0].kind != SegmentKind::kReal || g[1].kind != SegmentKind::kBool) {
        return ErrorAt(where,
                       "a biggan genome is a real segment (z) then a bool segment "
                       "(classes), got: " +
                           kind_list);
      }
      if (g[1].size != c.model.biggan.num_classes) {
        return ErrorAt(segment_where[1],
                       fmt::format("the bool segment has {} genes but the model has "
                                   "num_classes {}",
                                   g[1].size, c.model.biggan.num_classes));
      }
      break;
    case ModelFamily::kGpt2: {
      // Integer segments, one token per gene, in order. The genes of the segment named by
      // genome_token_ids_segment (of every segment when unnamed) index genome_token_ids.
      const Gpt2Settings& gpt2 = c.model.gpt2;
      bool named_found = gpt2.genome_token_ids_segment.empty();
      for (size_t i = 0; i < g.size(); ++i) {
        if (g[i].kind != SegmentKind::kInteger) {
          return ErrorAt(
              where, "a gpt2 genome is made of integer segments (token ids), got: " + kind_list);
        }
        const bool indexes_alphabet =
            !gpt2.genome_token_ids.empty() &&
            (gpt2.genome_token_ids_segment.empty() || gpt2.genome_token_ids_segment == g[i].name);
        named_found |= indexes_alphabet;
        if (indexes_alphabet) {
          if (g[i].low < 0 || g[i].high > static_cast<double>(gpt2.genome_token_ids.size() - 1)) {
            return ErrorAt(segment_where[i],
                           fmt::format("genes [{}, {}] index genome_token_ids: they must lie in "
                                       "[0, {}]",
                                       g[i].low, g[i].high, gpt2.genome_token_ids.size() - 1));
          }
        } else if (g[i].low < 0 || g[i].high > static_cast<double>(gpt2.vocab_size - 1)) {
          return ErrorAt(segment_where[i],
                         fmt::format("token ids [{}, {}] must lie in [0, vocab_size - 1 = {}]",
                                     g[i].low, g[i].high, gpt2.vocab_size - 1));
        }
      }
      if (!named_found) {
        std::vector<std::string> names;
        for (const auto& s : g) names.push_back(s.name);
        return ErrorAt(gpt2.genome_token_ids_segment_where,
                       fmt::format("'genome_token_ids_segment': '{}' is not a segment of the "
                                   "genome ({})",
                                   gpt2.genome_token_ids_segment, JoinNames(names)));
      }
      break;
    }
  }
  return Status::Ok();
}

bool IsPlainName(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-' && ch != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

StatusOr<LoadedConfig> LoadConfig(const std::string& path, const std::string& weights_dir) {
  CG_ASSIGN_OR_RETURN(YamlDocument doc, YamlDocument::Load(path));
  const FileLocation file_start{path, 1, 1};
  if (doc.root().IsNull()) {
    return ErrorAt(file_start, "empty config, expected a map with task, model and genome");
  }
  CG_ASSIGN_OR_RETURN(MapReader root, MapReader::Open(doc, doc.root(), "the config", kRootKeys));

  LoadedConfig loaded;
  GeneratorConfig& c = loaded.config;
  c.path = path;
  c.name = fs::path(path).stem().string();
  if (!IsPlainName(c.name)) {
    return ErrorAt(file_start, "a config's file name must be letters, digits, '_', '-' or '.'");
  }
  CG_RETURN_IF_ERROR(root.ReadString("description", &c.description));
  CG_RETURN_IF_ERROR(root.Require("task"));
  CG_RETURN_IF_ERROR(root.ReadEnum<Task>("task", kTaskNames, &c.task));
  CG_RETURN_IF_ERROR(root.ReadBool("use_discriminator", &c.use_discriminator));

  CG_RETURN_IF_ERROR(root.Require("model"));
  CG_ASSIGN_OR_RETURN(MapReader model, MapReader::Open(doc, root.Value("model"), "model", [] {
                        std::vector<std::string> keys = kCommonModelKeys;
                        for (const auto* v : {&kStyleGan2Keys, &kBigGanKeys, &kGpt2Keys}) {
                          keys.insert(keys.end(), v->begin(), v->end());
                        }
                        return keys;
                      }()));
  CG_RETURN_IF_ERROR(ReadModel(model, weights_dir, &c.model));
  CG_RETURN_IF_ERROR(ReadClip(doc, root, weights_dir, &c.clip));

  // The task follows from the family: GANs draw, GPT-2 writes.
  const Task family_task = c.model.family == ModelFamily::kGpt2 ? Task::kImg2Txt : Task::kTxt2Img;
  if (c.task != family_task) {
    return ErrorAt(root.Where("task"),
                   fmt::format("task {} does not fit model family {} (stylegan2 and biggan are "
                               "txt2img, gpt2 is img2txt)",
                               TaskName(c.task), ModelFamilyName(c.model.family)));
  }
  const FileLocation disc_where =
      root.Has("use_discriminator") ? root.Where("use_discriminator") : root.location();
  if (c.use_discriminator && !c.model.has_discriminator()) {
    return ErrorAt(disc_where,
                   c.model.family == ModelFamily::kStyleGan2
                       ? "use_discriminator is true but model has no discriminator_weights"
                       : fmt::format("use_discriminator is true but family {} has no "
                                     "discriminator",
                                     ModelFamilyName(c.model.family)));
  }
  if (!c.use_discriminator && c.model.has_discriminator()) {
    return ErrorAt(c.model.discriminator.where,
                   "discriminator_weights given but use_discriminator is false");
  }
  // The paper's naming: <generator>_d uses the discriminator, <generator>_nod does not.
  const bool named_d = c.name.size() > 2 && c.name.ends_with("_d");
  const bool named_nod = c.name.size() > 4 && c.name.ends_with("_nod");
  if ((named_d && !c.use_discriminator) || (named_nod && c.use_discriminator)) {
    return ErrorAt(disc_where,
                   fmt::format("config '{}' is named {} but use_discriminator is {}", c.name,
                               named_d ? "_d" : "_nod", c.use_discriminator ? "true" : "false"));
  }

  CG_RETURN_IF_ERROR(root.Require("genome"));
  const YAML::Node& genome = root.Value("genome");
  CG_RETURN_IF_ERROR(ExpectList(doc, genome, "'genome'"));
  if (genome.size() == 0) return ErrorAt(root.Where("genome"), "'genome' has no segments");
  std::set<std::string> names;
  std::vector<FileLocation> segment_where;
  for (size_t i = 0; i < genome.size(); ++i) {
    segment_where.push_back(doc.Locate(genome[i]));
    GenomeSegment seg;
    CG_RETURN_IF_ERROR(ReadSegment(doc, genome[i], i, &seg));
    if (!names.insert(seg.name).second) {
      return doc.Error(genome[i], "duplicate genome segment name '" + seg.name + "'");
    }
    c.genome.push_back(seg);
  }
  CG_RETURN_IF_ERROR(CheckGenomeFitsFamily(c, root.Where("genome"), segment_where));

  loaded.ga_where = root.Has("ga") ? root.Where("ga") : root.location();
  if (root.Has("ga")) {
    CG_ASSIGN_OR_RETURN(MapReader ga, MapReader::Open(doc, root.Value("ga"), "ga", GaSpecKeys()));
    CG_RETURN_IF_ERROR(ReadGaSpec(ga, &loaded.ga_spec));
  }
  CG_ASSIGN_OR_RETURN(c.ga, ResolveGaSpec(loaded.ga_spec, c.objectives(), loaded.ga_where, ""));
  return loaded;
}

}  // namespace internal

StatusOr<GeneratorConfig> LoadGeneratorConfig(const std::string& path,
                                              const std::string& weights_dir) {
  CG_ASSIGN_OR_RETURN(internal::LoadedConfig loaded, internal::LoadConfig(path, weights_dir));
  return std::move(loaded.config);
}

StatusOr<std::vector<std::string>> ListConfigNames(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return NotFoundError(dir + ": configs directory not found");
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml" && entry.is_regular_file(ec)) {
      names.push_back(entry.path().stem().string());
    }
  }
  if (ec) return NotFoundError(dir + ": cannot list: " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace clipglass::grid
