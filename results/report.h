// What `clipglass report` writes: one self-contained HTML page for a sweep (inline CSS and SVG,
// images as data: URIs, no network access needed): provenance, a table of runs, and per run its
// convergence curves (best/mean similarity, discriminator loss), its Pareto front when it has
// two objectives, and its final image or caption.
#pragma once

#include <string>

#include "common/status.h"
#include "results/archive.h"

namespace clipglass::results {

// Written by the page's only script into #report-status once it has checked the page (one
// chart per expected chart); a headless browser's DOM dump shows whether the script ran
// without error.
inline constexpr char kReportReadyMarker[] = "clipglass-report-ready";

// The HTML text of the report. Fails only if a final image cannot be encoded as PNG.
StatusOr<std::string> RenderReport(const SweepRecord& sweep);

}  // namespace clipglass::results
