#include "results/inspect.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "results/run_view.h"

namespace clipglass::results {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kTargetChars = 40;

std::string Number(double value, const char* format = "%.4f") {
  if (std::isnan(value)) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

Json JsonNumber(double value) { return std::isnan(value) ? Json(nullptr) : Json(value); }

Json AttributeJson(const AttributeValue& value) {
  return std::visit([](const auto& v) { return Json(v); }, value);
}

// Display width of UTF-8 text, counted in code points (good enough for captions and ids).
size_t Width(const std::string& text) {
  size_t width = 0;
  for (char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

std::string Pad(const std::string& text, size_t width) {
  size_t w = Width(text);
  return w >= width ? text : text + std::string(width - w, ' ');
}

// Columns aligned on the widest cell; the last column is not padded.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Width(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += c + 1 == row.size() ? row[c] : Pad(row[c], widths[c]) + "  ";
    }
    out += line + "\n";
  }
  return out;
}

std::string GeneratorText(const RunRecord& run) {
  std::string generator = RunAttribute(run, "generator");
  std::string config = RunAttribute(run, "config");
  if (generator.empty()) generator = RunAttribute(run, "problem");  // benchmark runs
  if (!config.empty() && config != generator) generator += "/" + config;
  return generator.empty() ? "-" : generator;
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string StatsLine(const GenerationStats& s) {
  return "generation " + std::to_string(s.generation) + ": best similarity " +
         Number(s.best_similarity) + ", mean " + Number(s.mean_similarity) + ", median " +
         Number(s.median_similarity) + ", best discriminator loss " +
         Number(s.best_discriminator_loss) + ", mean " + Number(s.mean_discriminator_loss) +
         ", hypervolume " + Number(s.hypervolume) + ", evaluations " +
         std::to_string(s.evaluations) + ", " + Number(s.wall_seconds, "%.1f") + " s";
}

Json StatsJson(const GenerationStats& s) {
  return Json{{"generation", s.generation},
              {"best_similarity", JsonNumber(s.best_similarity)},
              {"mean_similarity", JsonNumber(s.mean_similarity)},
              {"median_similarity", JsonNumber(s.median_similarity)},
              {"best_discriminator_loss", JsonNumber(s.best_discriminator_loss)},
              {"mean_discriminator_loss", JsonNumber(s.mean_discriminator_loss)},
              {"hypervolume", JsonNumber(s.hypervolume)},
              {"evaluations", s.evaluations},
              {"wall_seconds", s.wall_seconds}};
}

Json RunSummaryJson(const RunRecord& run) {
  RunHeadline headline = Headline(run);
  Json out{{"id", run.id},
           {"index", run.index},
           {"generator", RunAttribute(run, "generator")},
           {"config", RunAttribute(run, "config")},
           {"target", RunAttribute(run, "target")},
           {"discriminator", RunAttribute(run, "discriminator")},
           {"seed", RunAttribute(run, "seed")},
           {"state", run.state},
           {"error", run.error},
           {"generations_done", run.generations_done},
           {"generations_total", run.generations_total},
           {"best_similarity", JsonNumber(headline.best_similarity)},
           {"discriminator_loss", JsonNumber(headline.discriminator_loss)},
           {"evaluations", run.evaluations},
           {"cache_hits", run.cache_hits},
           {"wall_seconds", run.wall_seconds}};
  return out;
}

}  // namespace

std::string FormatSweepTable(const SweepRecord& sweep) {
  std::map<std::string, int> by_state;
  for (const RunRecord& run : sweep.runs) ++by_state[run.state];
  std::string counts;
  for (const auto& [state, count] : by_state) {
    counts += (counts.empty() ? "" : ", ") + std::to_string(count) + " " + state;
  }
  const Provenance& p = sweep.provenance;
  std::string out = "sweep " + sweep.name + " (" + sweep.state +
                    "): " + std::to_string(sweep.runs.size()) + " runs" +
                    (counts.empty() ? "" : " (" + counts + ")") + "\n";
  out +=
      "grid " + OrDash(sweep.grid_path) + ", schema " + std::to_string(sweep.schema_version) + "\n";
  out += "clipglass " + OrDash(p.program_version) + " (commit " + OrDash(p.git_commit) +
         "), created " + OrDash(p.created_utc) + " on " + OrDash(p.hostname) + "\n";
  for (const auto& [path, sha] : p.weights_sha256) {
    out += "weights " + path + " sha256 " + OrDash(sha) + "\n";
  }
  for (const std::string& device : p.worker_devices) out += "worker " + device + "\n";
  out += "\n";

  std::vector<std::vector<std::string>> rows = {{"RUN", "GENERATOR", "TARGET", "D", "SEED", "GENS",
                                                 "BEST_SIM", "D_LOSS", "EVALS", "WALL_S", "STATE"}};
  for (const RunRecord& run : sweep.runs) {
    RunHeadline headline = Headline(run);
    std::string state = run.state;
    if (!run.error.empty()) state += ": " + run.error;
    rows.push_back(
        {run.id, GeneratorText(run), OrDash(Abbreviate(RunAttribute(run, "target"), kTargetChars)),
         OrDash(RunAttribute(run, "discriminator")), OrDash(RunAttribute(run, "seed")),
         std::to_string(run.generations_done) + "/" + std::to_string(run.generations_total),
         Number(headline.best_similarity), Number(headline.discriminator_loss),
         std::to_string(run.evaluations), Number(run.wall_seconds, "%.1f"), state});
  }
  return out + FormatTable(rows);
}

std::string FormatRunDetail(const RunRecord& run) {
  std::string out = "run " + run.id + " (index " + std::to_string(run.index) + "): " + run.state +
                    (run.error.empty() ? "" : ": " + run.error) + "\n";
  out += "generations " + std::to_string(run.generations_done) + "/" +
         std::to_string(run.generations_total) + ", evaluations " +
         std::to_string(run.evaluations) + ", cache hits " + std::to_string(run.cache_hits) +
         ", wall " + Number(run.wall_seconds, "%.1f") + " s\n";
  std::string objectives;
  for (const std::string& name : run.objective_names) {
    objectives += (objectives.empty() ? "" : ", ") + name;
  }
  out += "objectives: " + OrDash(objectives) + "\n\nsettings:\n";
  std::vector<std::vector<std::string>> settings;
  for (const auto& [name, value] : run.attributes) {
    settings.push_back({"  " + name, AttributeText(value)});
  }
  out += FormatTable(settings);
  out += "\nlast statistics: " +
         (run.stats.empty() ? std::string("none yet") : StatsLine(run.stats.back())) + "\n";
  if (run.final_individual) {
    const FinalIndividual& final = *run.final_individual;
    out += "final individual: " + std::to_string(final.genome.size()) + " genes, objectives";
    for (double value : final.objectives) out += " " + Number(value);
    if (!final.image.empty()) {
      out +=
          ", image " + std::to_string(final.image.width) + "x" + std::to_string(final.image.height);
    }
    out += "\n";
    if (!final.caption.empty()) out += "caption: " + final.caption + "\n";
  } else {
    out += "final individual: none yet\n";
  }
  out += "snapshots:";
  if (run.snapshots.empty()) out += " none";
  for (const Population& p : run.snapshots) {
    out += "\n  generation " + std::to_string(p.generation) + ": " + std::to_string(p.rows()) +
           " individuals x " + std::to_string(p.genes) + " genes";
  }
  out += "\n";
  if (run.pareto_front) {
    out += "pareto front: " + std::to_string(run.pareto_front->rows()) + " individuals\n";
  }
  return out;
}

nlohmann::ordered_json SweepJson(const SweepRecord& sweep) {
  const Provenance& p = sweep.provenance;
  Json weights = Json::array();
  for (const auto& [path, sha] : p.weights_sha256) {
    weights.push_back({{"path", path}, {"sha256", sha}});
  }
  Json runs = Json::array();
  for (const RunRecord& run : sweep.runs) runs.push_back(RunSummaryJson(run));
  return Json{{"name", sweep.name},
              {"state", sweep.state},
              {"schema_version", sweep.schema_version},
              {"grid_path", sweep.grid_path},
              {"provenance",
               {{"program_version", p.program_version},
                {"git_commit", p.git_commit},
                {"created_utc", p.created_utc},
                {"hostname", p.hostname},
                {"weights", weights},
                {"worker_devices", p.worker_devices}}},
              {"runs", runs}};
}

nlohmann::ordered_json RunDetailJson(const RunRecord& run) {
  Json out = RunSummaryJson(run);
  Json settings = Json::object();
  for (const auto& [name, value] : run.attributes) settings[name] = AttributeJson(value);
  out["settings"] = settings;
  out["objective_names"] = run.objective_names;
  out["config_yaml"] = run.config_yaml;
  out["last_stats"] = run.stats.empty() ? Json(nullptr) : StatsJson(run.stats.back());
  if (run.final_individual) {
    const FinalIndividual& final = *run.final_individual;
    Json objectives = Json::array();
    for (double value : final.objectives) objectives.push_back(JsonNumber(value));
    out["final"] = {{"genes", final.genome.size()},
                    {"objectives", objectives},
                    {"image_width", final.image.width},
                    {"image_height", final.image.height},
                    {"caption", final.caption}};
  } else {
    out["final"] = nullptr;
  }
  Json snapshots = Json::array();
  for (const Population& p : run.snapshots) {
    snapshots.push_back({{"generation", p.generation}, {"rows", p.rows()}, {"genes", p.genes}});
  }
  out["snapshots"] = snapshots;
  out["pareto_front_rows"] = run.pareto_front ? Json(run.pareto_front->rows()) : Json(nullptr);
  return out;
}

}  // namespace clipglass::results
