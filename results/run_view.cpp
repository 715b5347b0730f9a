#include "results/run_view.h"

#include <cmath>
#include <cstdio>
#include <set>

namespace clipglass::results {

std::string AttributeText(const AttributeValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.6g", *d);
    return buffer;
  }
  return std::get<std::string>(value);
}

std::string RunAttribute(const RunRecord& run, const std::string& name) {
  auto it = run.attributes.find(name);
  return it == run.attributes.end() ? "" : AttributeText(it->second);
}

StatusOr<const RunRecord*> FindRun(const SweepRecord& sweep, const std::string& id,
                                   const std::string& archive_path) {
  for (const RunRecord& run : sweep.runs) {
    if (run.id == id) return &run;
  }
  constexpr size_t kShown = 5;
  std::string known;
  for (size_t i = 0; i < sweep.runs.size() && i < kShown; ++i) {
    known += (i ? ", " : "") + sweep.runs[i].id;
  }
  if (sweep.runs.size() > kShown) {
    known += ", ... (" + std::to_string(sweep.runs.size()) + " runs)";
  }
  if (known.empty()) known = "none";
  return NotFoundError(archive_path + ": no run '" + id + "'; known runs: " + known);
}

std::vector<std::string> AttributeNames(const SweepRecord& sweep) {
  std::set<std::string> names;
  for (const RunRecord& run : sweep.runs) {
    for (const auto& [name, value] : run.attributes) names.insert(name);
  }
  return {names.begin(), names.end()};
}

RunHeadline Headline(const RunRecord& run) {
  RunHeadline headline;
  if (!run.stats.empty()) {
    headline.best_similarity = run.stats.back().best_similarity;
    headline.discriminator_loss = run.stats.back().best_discriminator_loss;
  }
  if (run.final_individual) {
    const std::vector<double>& objectives = run.final_individual->objectives;
    for (size_t i = 0; i < objectives.size() && i < run.objective_names.size(); ++i) {
      if (run.objective_names[i] == "similarity") headline.best_similarity = objectives[i];
      if (run.objective_names[i] == "discriminator_loss") {
        headline.discriminator_loss = objectives[i];
      }
    }
  }
  return headline;
}

std::string Abbreviate(const std::string& text, size_t max_chars) {
  if (max_chars == 0) return "";
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars == max_chars - 1) {
      // Cut here only if more than one code point remains.
      size_t rest = 0;
      for (size_t j = i; j < text.size(); ++j) {
        rest += (static_cast<unsigned char>(text[j]) & 0xC0) != 0x80;
      }
      if (rest > 1) return text.substr(0, i) + "\u2026";
      return text;
    }
    ++chars;
  }
  return text;
}

}  // namespace clipglass::results
