// Small self-contained SVG charts (no script, no external resources) for the HTML report:
// line charts of per-generation series and scatter plots of objective values.
#pragma once

#include <string>
#include <vector>

namespace clipglass::results {

struct ChartSeries {
  std::string name;    // legend text
  std::string colour;  // CSS colour
  std::vector<double> x;
  std::vector<double> y;  // NaN points are left out (a line breaks there)
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 420;
  int height = 260;
};

// Polylines with markers, axes with round-number ticks, a legend. Empty series draw an empty
// frame with "no data".
std::string SvgLineChart(const std::vector<ChartSeries>& series, const ChartOptions& options);

// The same frame with one dot per point.
std::string SvgScatterChart(const std::vector<ChartSeries>& series, const ChartOptions& options);

// Text safe inside HTML/SVG elements and attribute values.
std::string EscapeXml(const std::string& text);

}  // namespace clipglass::results
