// Read-only views of archive records shared by the results tools (inspect, export, figure,
// report): attribute text, run lookup, and the few numbers every tool shows for a run.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "results/archive.h"

namespace clipglass::results {

// An attribute as text: integers as-is, reals with up to 6 significant digits, strings verbatim.
std::string AttributeText(const AttributeValue& value);

// The run's attribute `name` as text, or "" when the run has none.
std::string RunAttribute(const RunRecord& run, const std::string& name);

// The run named `id`, or NotFound naming the archive and a few known ids.
StatusOr<const RunRecord*> FindRun(const SweepRecord& sweep, const std::string& id,
                                   const std::string& archive_path);

// Every attribute name any run has, sorted (the axes a figure can be laid out by).
std::vector<std::string> AttributeNames(const SweepRecord& sweep);

// Headline numbers of a run, taken from its final individual when it has one and from its last
// generation's statistics otherwise (a run still going, or interrupted). NaN when unknown.
struct RunHeadline {
  double best_similarity = kNoValue;
  double discriminator_loss = kNoValue;
};
RunHeadline Headline(const RunRecord& run);

// `text` cut to at most `max_chars` code points (an ellipsis marks the cut); UTF-8 stays valid.
std::string Abbreviate(const std::string& text, size_t max_chars);

}  // namespace clipglass::results
