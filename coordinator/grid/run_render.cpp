#include "coordinator/grid/run_render.h"

#include "coordinator/grid/sha256.h"

namespace clipglass::grid {
namespace {

using Json = nlohmann::ordered_json;

Json ModelToJson(const ModelSettings& m) {
  Json j;
  j["family"] = ModelFamilyName(m.family);
  j["generator_weights"] = m.generator.relative;
  if (m.has_discriminator()) j["discriminator_weights"] = m.discriminator.relative;
  j["image_size"] = m.image_size;
  switch (m.family) {
    case ModelFamily::kStyleGan2:
      j["truncation_psi"] = m.stylegan2.truncation_psi;
      break;
    case ModelFamily::kBigGan:
      j["truncation"] = m.biggan.truncation;
      j["num_classes"] = m.biggan.num_classes;
      j["z_clip"] = m.biggan.z_clip;
      break;
    case ModelFamily::kGpt2:
      j["context"] = m.gpt2.context;
      j["generated_tokens"] = m.gpt2.generated_tokens;
      j["max_chars"] = m.gpt2.max_chars;
      j["decoding"] = DecodingName(m.gpt2.decoding);
      j["temperature"] = m.gpt2.temperature;
      j["top_k"] = m.gpt2.top_k;
      j["vocab_size"] = m.gpt2.vocab_size;
      // Only when set, so configs without it keep their rendered text and hash (resume).
      if (!m.gpt2.genome_token_ids.empty()) j["genome_token_ids"] = m.gpt2.genome_token_ids;
      if (!m.gpt2.genome_token_ids_segment.empty()) {
        j["genome_token_ids_segment"] = m.gpt2.genome_token_ids_segment;
      }
      break;
  }
  return j;
}

Json SegmentToJson(const GenomeSegment& s) {
  Json j;
  j["name"] = s.name;
  j["kind"] = SegmentKindName(s.kind);
  j["size"] = s.size;
  switch (s.kind) {
    case SegmentKind::kReal:
      j["low"] = s.low;
      j["high"] = s.high;
      j["sampler"] = SamplerName(s.sampler);
      if (s.sampler != Sampler::kUniform) {
        j["mean"] = s.mean;
        j["std"] = s.stddev;
      }
      break;
    case SegmentKind::kInteger:
      j["low"] = static_cast<int64_t>(s.low);
      j["high"] = static_cast<int64_t>(s.high);
      j["sampler"] = SamplerName(s.sampler);
      break;
    case SegmentKind::kBool:
      j["sampler"] = SamplerName(s.sampler);
      j["p"] = s.p;
      break;
  }
  return j;
}

Json GaToJson(const GaSettings& ga) {
  Json j;
  j["algorithm"] = AlgorithmName(ga.algorithm);
  j["population"] = ga.population;
  j["batch_size"] = ga.batch_size;
  j["generations"] = ga.generations;
  j["faithful"] = ga.faithful;
  j["eliminate_duplicates"] = ga.eliminate_duplicates;
  const OperatorSettings& op = ga.operators;
  j["operators"]["sbx"] = {{"prob", op.sbx.prob}, {"eta", op.sbx.eta}};
  j["operators"]["pm"] = {{"prob", op.pm.prob}, {"eta", op.pm.eta}};
  j["operators"]["hux"] = {{"prob", op.hux_prob}};
  j["operators"]["bitflip"] = {{"prob", op.bitflip_prob}};
  // Only when set, like final_weights below: older runs keep their config hashes.
  if (op.uniform_prob) j["operators"]["uniform"] = {{"prob", *op.uniform_prob}};
  if (op.reset_prob) j["operators"]["reset"] = {{"prob", *op.reset_prob}};
  j["islands"] = ga.islands;
  j["migration"] = {{"interval", ga.migration.interval},
                    {"count", ga.migration.count},
                    {"topology", TopologyName(ga.migration.topology)}};
  j["save_every"] = ga.save_every;
  j["max_evaluations"] = ga.max_evaluations;
  // Only when set: runs without it keep the config hash their archives were written with.
  if (!ga.final_weights.empty()) j["final_weights"] = ga.final_weights;
  return j;
}

std::string Scalar(const Json& v) {
  // JSON's double-quoted strings are valid YAML double-quoted scalars; numbers print in their
  // shortest round-trip form.
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void EmitYaml(const Json& v, int indent, std::string* out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  const auto is_container = [](const Json& x) { return x.is_object() || x.is_array(); };
  const auto empty_form = [](const Json& x) { return x.is_object() ? "{}" : "[]"; };
  if (v.is_object()) {
    for (const auto& [key, x] : v.items()) {
      *out += pad + key + ":";
      if (!is_container(x)) {
        *out += " " + Scalar(x) + "\n";
      } else if (x.empty()) {
        *out += std::string(" ") + empty_form(x) + "\n";
      } else {
        *out += "\n";
        EmitYaml(x, indent + 2, out);
      }
    }
  } else if (v.is_array()) {
    for (const Json& x : v) {
      if (!is_container(x)) {
        *out += pad + "- " + Scalar(x) + "\n";
      } else if (x.empty()) {
        *out += pad + "- " + empty_form(x) + "\n";
      } else {
        // The item's first line carries the dash: "- name: z" with its siblings aligned below.
        std::string item;
        EmitYaml(x, indent + 2, &item);
        *out += pad + "- " + item.substr(static_cast<size_t>(indent) + 2);
      }
    }
  } else {
    *out += pad + Scalar(v) + "\n";
  }
}

}  // namespace

Json RunToJson(const RunSpec& run, bool include_local_paths) {
  Json j;
  j["id"] = run.id;
  j["index"] = run.index;
  j["block"] = run.block;
  j["generator"] = run.generator;
  j["config"] = run.config.name;
  j["task"] = TaskName(run.config.task);
  Json target;
  target["kind"] = TargetKindName(run.target.kind);
  target["text"] = run.target.text;
  if (run.target.kind == TargetKind::kImage) target["sha256"] = run.target.sha256;
  j["target"] = target;
  j["target_index"] = run.target_index;
  j["discriminator"] = run.discriminator;
  j["objectives"] = run.objectives();
  j["seed"] = run.seed;
  j["override"] = run.override_name;
  j["model"] = ModelToJson(run.config.model);
  j["clip"] = {{"weights", run.config.clip.weights.relative},
               {"image_size", run.config.clip.image_size},
               {"normalize", run.config.clip.normalize}};
  Json genome = Json::array();
  for (const GenomeSegment& s : run.config.genome) genome.push_back(SegmentToJson(s));
  j["genome"] = genome;
  j["ga"] = GaToJson(run.ga);
  if (include_local_paths) {
    Json local;
    local["generator_weights"] = run.config.model.generator.path;
    if (run.config.model.has_discriminator()) {
      local["discriminator_weights"] = run.config.model.discriminator.path;
    }
    local["clip_weights"] = run.config.clip.weights.path;
    if (run.target.kind == TargetKind::kImage) local["target_image"] = run.target.path;
    local["config_file"] = run.config.path;
    j["local"] = local;
  }
  return j;
}

Json GridToJson(const Grid& grid) {
  Json j;
  j["name"] = grid.name;
  j["description"] = grid.description;
  j["file"] = grid.path;
  j["archive"] = grid.archive;
  j["configs_dir"] = grid.configs_dir;
  j["weights_dir"] = grid.weights_dir;
  Json runs = Json::array();
  for (const RunSpec& run : grid.runs) {
    Json r = RunToJson(run, /*include_local_paths=*/true);
    r["hash"] = RunConfigHash(run);
    runs.push_back(std::move(r));
  }
  j["runs"] = std::move(runs);
  return j;
}

std::string JsonToYaml(const Json& value) {
  std::string out;
  EmitYaml(value, 0, &out);
  return out;
}

std::string RenderRunYaml(const RunSpec& run) { return JsonToYaml(RunToJson(run, false)); }

std::string RunConfigHash(const RunSpec& run) {
  Json j = RunToJson(run, false);
  for (const char* key :
       {"id", "index", "block", "generator", "config", "target_index", "override"}) {
    j.erase(key);
  }
  // An image is identified by its bytes, not by the path that led to them.
  if (run.target.kind == TargetKind::kImage) j["target"].erase("text");
  return Sha256Hex(JsonToYaml(j));
}

}  // namespace clipglass::grid
