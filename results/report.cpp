#include "results/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/png_codec.h"
#include "results/run_view.h"
#include "results/svg_chart.h"

namespace clipglass::results {
namespace {

constexpr char kBestColour[] = "#1f77b4";
constexpr char kMeanColour[] = "#ff7f0e";
constexpr char kFrontColour[] = "#d62728";
constexpr char kPopulationColour[] = "#bbbbbb";

constexpr char kStyle[] = R"(
body { font-family: sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; }
section.run { border-top: 2px solid #ccc; margin-top: 24px; padding-top: 8px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.output img { border: 1px solid #ccc; }
.caption { font-size: 18px; font-style: italic; max-width: 320px; }
.muted { color: #888; }
)";

// Checks the page once loaded and only then writes the marker; any error leaves it out. The
// markers are split in the source so that only a script that ran can produce them.
constexpr char kScript[] = R"(
window.addEventListener('error', function (e) {
  document.getElementById('report-status').textContent = 'clipglass-report-' + 'error: ' + e.message;
});
window.addEventListener('load', function () {
  var expected = Number(document.body.dataset.charts);
  var found = document.querySelectorAll('svg.chart').length;
  var status = document.getElementById('report-status');
  if (found !== expected) {
    status.textContent = 'clipglass-report-' + 'error: ' + found + ' charts, expected ' + expected;
    return;
  }
  status.textContent = 'clipglass-report-' + 'ready (' + found + ' charts)';
});
)";

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

std::string Number(double value, const char* format = "%.4f") {
  if (std::isnan(value)) return "&ndash;";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

bool AnyValue(const std::vector<double>& values) {
  for (double v : values) {
    if (!std::isnan(v)) return true;
  }
  return false;
}

int ObjectiveIndex(const RunRecord& run, const std::string& name) {
  for (size_t i = 0; i < run.objective_names.size(); ++i) {
    if (run.objective_names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// Similarity (x) against discriminator loss (y) of each row of `population`.
ChartSeries ObjectiveSeries(const RunRecord& run, const Population& population,
                            const std::string& name, const std::string& colour) {
  ChartSeries series{name, colour, {}, {}};
  const int sim = ObjectiveIndex(run, "similarity");
  const int loss = ObjectiveIndex(run, "discriminator_loss");
  for (int64_t r = 0; r < population.rows(); ++r) {
    const size_t row = static_cast<size_t>(r * population.objectives);
    if (row + std::max(sim, loss) >= population.values.size()) break;  // short objectives
    series.x.push_back(population.values[row + sim]);
    series.y.push_back(population.values[row + loss]);
  }
  return series;
}

std::string TableRow(const std::vector<std::string>& cells, const char* tag = "td") {
  std::string row = "<tr>";
  for (const std::string& cell : cells) {
    row += std::string("<") + tag + ">" + cell + "</" + tag + ">";
  }
  return row + "</tr>\n";
}

std::string Anchor(const RunRecord& run) { return "run-" + EscapeXml(run.id); }

// The charts of one run, counting them into `charts`.
std::string RunCharts(const RunRecord& run, int* charts) {
  std::vector<double> generation, best, mean, best_loss, mean_loss;
  for (const GenerationStats& s : run.stats) {
    generation.push_back(static_cast<double>(s.generation));
    best.push_back(s.best_similarity);
    mean.push_back(s.mean_similarity);
    best_loss.push_back(s.best_discriminator_loss);
    mean_loss.push_back(s.mean_discriminator_loss);
  }
  std::string html = "<div class=\"charts\">";
  html += SvgLineChart(
      {{"best", kBestColour, generation, best}, {"mean", kMeanColour, generation, mean}},
      {"CLIP similarity", "generation", "cosine similarity"});
  ++*charts;
  if (AnyValue(best_loss) || AnyValue(mean_loss)) {
    html += SvgLineChart({{"best", kBestColour, generation, best_loss},
                          {"mean", kMeanColour, generation, mean_loss}},
                         {"Discriminator loss", "generation", "relu(1 - D(G(z)))"});
    ++*charts;
  }
  const bool two_objectives =
      ObjectiveIndex(run, "similarity") >= 0 && ObjectiveIndex(run, "discriminator_loss") >= 0;
  if (two_objectives && run.pareto_front) {
    std::vector<ChartSeries> series;
    if (!run.snapshots.empty()) {
      series.push_back(ObjectiveSeries(run, run.snapshots.back(), "population", kPopulationColour));
    }
    series.push_back(ObjectiveSeries(run, *run.pareto_front, "Pareto front", kFrontColour));
    html += SvgScatterChart(
        series, {"Pareto front (better: right and down)", "similarity", "discriminator loss"});
    ++*charts;
  }
  return html + "</div>\n";
}

StatusOr<std::string> RunSection(const RunRecord& run, int* charts) {
  const RunHeadline headline = Headline(run);
  std::string html =
      "<section class=\"run\" id=\"" + Anchor(run) + "\">\n<h2>" + EscapeXml(run.id) + "</h2>\n";
  html += "<p>" + EscapeXml(run.state) + (run.error.empty() ? "" : ": " + EscapeXml(run.error)) +
          ", generation " + std::to_string(run.generations_done) + "/" +
          std::to_string(run.generations_total) + ", best similarity " +
          Number(headline.best_similarity) + ", discriminator loss " +
          Number(headline.discriminator_loss) + "</p>\n";
  std::string settings;
  for (const auto& [name, value] : run.attributes) {
    settings += (settings.empty() ? "" : ", ") + EscapeXml(name) + " = <b>" +
                EscapeXml(AttributeText(value)) + "</b>";
  }
  html += "<p class=\"settings\">" + settings + "</p>\n<div class=\"output\">";
  if (run.final_individual && !run.final_individual->image.empty()) {
    const Image& image = run.final_individual->image;
    StatusOr<std::string> png = EncodePng({image.width, image.height, image.rgb});
    if (!png.ok()) return png.status().WithContext("run " + run.id + " final image");
    // Shown at 256 px whatever its size; small images are enlarged without blurring.
    html += "<img alt=\"final image of " + EscapeXml(run.id) + "\" width=\"256\"" +
            (image.width < 256 ? " style=\"image-rendering: pixelated\"" : "") +
            " src=\"data:image/png;base64," + Base64(*png) + "\">";
  } else if (run.final_individual && !run.final_individual->caption.empty()) {
    html +=
        "<p class=\"caption\">&ldquo;" + EscapeXml(run.final_individual->caption) + "&rdquo;</p>";
  } else {
    html += "<p class=\"muted\">no final output yet</p>";
  }
  html += "</div>\n" + RunCharts(run, charts) + "</section>\n";
  return html;
}

}  // namespace

StatusOr<std::string> RenderReport(const SweepRecord& sweep) {
  const Provenance& p = sweep.provenance;
  std::string body = "<h1>" + EscapeXml(sweep.name) + "</h1>\n";
  body += "<p>Sweep " + EscapeXml(sweep.state) + ", " + std::to_string(sweep.runs.size()) +
          " runs; grid " + EscapeXml(sweep.grid_path) + "; clipglass " +
          EscapeXml(p.program_version) + " (commit " + EscapeXml(p.git_commit) + "), created " +
          EscapeXml(p.created_utc) + " on " + EscapeXml(p.hostname) + ".</p>\n";
  if (!p.weights_sha256.empty() || !p.worker_devices.empty()) {
    body += "<details><summary>Provenance</summary><table>\n";
    for (const auto& [path, sha] : p.weights_sha256) {
      body += TableRow({"weights", EscapeXml(path), "<code>" + EscapeXml(sha) + "</code>"});
    }
    for (const std::string& device : p.worker_devices) {
      body += TableRow({"worker", EscapeXml(device), ""});
    }
    body += "</table></details>\n";
  }
  body += "<table>\n" +
          TableRow({"run", "generator", "target", "discriminator", "seed", "generations",
                    "best similarity", "discriminator loss", "evaluations", "wall s", "state"},
                   "th");
  for (const RunRecord& run : sweep.runs) {
    const RunHeadline headline = Headline(run);
    body += TableRow(
        {"<a href=\"#" + Anchor(run) + "\">" + EscapeXml(run.id) + "</a>",
         EscapeXml(RunAttribute(run, "generator")), EscapeXml(RunAttribute(run, "target")),
         EscapeXml(RunAttribute(run, "discriminator")), EscapeXml(RunAttribute(run, "seed")),
         std::to_string(run.generations_done) + "/" + std::to_string(run.generations_total),
         Number(headline.best_similarity), Number(headline.discriminator_loss),
         std::to_string(run.evaluations), Number(run.wall_seconds, "%.1f"), EscapeXml(run.state)});
  }
  body += "</table>\n";
  int charts = 0;
  for (const RunRecord& run : sweep.runs) {
    CG_ASSIGN_OR_RETURN(std::string section, RunSection(run, &charts));
    body += section;
  }
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         EscapeXml(sweep.name) + " &ndash; clipglass report</title>\n<style>" + kStyle +
         "</style>\n</head>\n<body data-charts=\"" + std::to_string(charts) + "\">\n" + body +
         "<p class=\"muted\" id=\"report-status\">clipglass-report-pending</p>\n<script>" +
         kScript + "</script>\n</body>\n</html>\n";
}

}  // namespace clipglass::results
