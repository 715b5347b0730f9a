#include "results/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace clipglass::results {
namespace {

constexpr int kLeft = 56, kRight = 12, kTop = 28, kBottom = 40;

std::string Fixed(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f", value);
  return buffer;
}

std::string TickText(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4g", std::abs(value) < 1e-12 ? 0.0 : value);
  return buffer;
}

// A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks over `span`.
double NiceStep(double span, int count) {
  const double raw = span / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    if (std::isnan(v) || std::isinf(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
  // Widened so that a constant series still has a visible span, then rounded to ticks.
  void Settle() {
    if (empty()) lo = 0, hi = 1;
    if (hi - lo < 1e-9)
      lo -= 0.5 * std::max(std::abs(lo), 1e-3), hi += 0.5 * std::max(std::abs(hi), 1e-3);
  }
};

class Frame {
 public:
  Frame(const std::vector<ChartSeries>& series, const ChartOptions& options) : options_(options) {
    for (const ChartSeries& s : series) {
      for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
        if (std::isnan(s.y[i]) || std::isnan(s.x[i])) continue;
        x_.Add(s.x[i]);
        y_.Add(s.y[i]);
        has_data_ = true;
      }
    }
    x_.Settle();
    y_.Settle();
    x_step_ = NiceStep(x_.hi - x_.lo, 5);
    y_step_ = NiceStep(y_.hi - y_.lo, 4);
    y_.lo = std::floor(y_.lo / y_step_) * y_step_;
    y_.hi = std::ceil(y_.hi / y_step_) * y_step_;
  }

  bool has_data() const { return has_data_; }
  double X(double x) const {
    return kLeft + (x - x_.lo) / (x_.hi - x_.lo) * (options_.width - kLeft - kRight);
  }
  double Y(double y) const {
    return options_.height - kBottom -
           (y - y_.lo) / (y_.hi - y_.lo) * (options_.height - kTop - kBottom);
  }

  std::string Open() const {
    const int w = options_.width, h = options_.height;
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" +
                      std::to_string(w) + "\" height=\"" + std::to_string(h) + "\" viewBox=\"0 0 " +
                      std::to_string(w) + " " + std::to_string(h) +
                      "\" font-family=\"sans-serif\" font-size=\"11\">";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>";
    svg += "<text x=\"" + std::to_string(w / 2) +
           "\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">" +
           EscapeXml(options_.title) + "</text>";
    // Grid lines and tick labels.
    for (double y = y_.lo; y <= y_.hi + y_step_ * 1e-6; y += y_step_) {
      svg += "<line x1=\"" + std::to_string(kLeft) + "\" x2=\"" + std::to_string(w - kRight) +
             "\" y1=\"" + Fixed(Y(y)) + "\" y2=\"" + Fixed(Y(y)) + "\" stroke=\"#e4e4e4\"/>";
      svg += "<text x=\"" + std::to_string(kLeft - 4) + "\" y=\"" + Fixed(Y(y) + 4) +
             "\" text-anchor=\"end\">" + TickText(y) + "</text>";
    }
    for (double x = std::ceil(x_.lo / x_step_) * x_step_; x <= x_.hi + x_step_ * 1e-6;
         x += x_step_) {
      svg += "<text x=\"" + Fixed(X(x)) + "\" y=\"" + std::to_string(h - kBottom + 14) +
             "\" text-anchor=\"middle\">" + TickText(x) + "</text>";
    }
    svg += "<rect x=\"" + std::to_string(kLeft) + "\" y=\"" + std::to_string(kTop) + "\" width=\"" +
           std::to_string(w - kLeft - kRight) + "\" height=\"" +
           std::to_string(h - kTop - kBottom) + "\" fill=\"none\" stroke=\"#888\"/>";
    svg += "<text x=\"" + std::to_string((kLeft + w - kRight) / 2) + "\" y=\"" +
           std::to_string(h - 6) + "\" text-anchor=\"middle\">" + EscapeXml(options_.x_label) +
           "</text>";
    svg += "<text transform=\"translate(12," + std::to_string((kTop + h - kBottom) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + EscapeXml(options_.y_label) + "</text>";
    if (!has_data_) {
      svg += "<text x=\"" + std::to_string((kLeft + w - kRight) / 2) + "\" y=\"" +
             std::to_string((kTop + h - kBottom) / 2) +
             "\" text-anchor=\"middle\" fill=\"#888\">no data</text>";
    }
    return svg;
  }

  std::string Legend(const std::vector<ChartSeries>& series) const {
    std::string svg;
    int x = kLeft + 8;
    for (const ChartSeries& s : series) {
      svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(kTop + 6) +
             "\" width=\"10\" height=\"10\" fill=\"" + EscapeXml(s.colour) + "\"/>";
      svg += "<text x=\"" + std::to_string(x + 14) + "\" y=\"" + std::to_string(kTop + 15) + "\">" +
             EscapeXml(s.name) + "</text>";
      x += 24 + 7 * static_cast<int>(s.name.size());
    }
    return svg;
  }

 private:
  ChartOptions options_;
  Range x_, y_;
  double x_step_ = 1, y_step_ = 1;
  bool has_data_ = false;
};

}  // namespace

std::string EscapeXml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SvgLineChart(const std::vector<ChartSeries>& series, const ChartOptions& options) {
  const Frame frame(series, options);
  std::string svg = frame.Open();
  for (const ChartSeries& s : series) {
    std::string points;
    auto flush = [&] {
      if (!points.empty()) {
        svg += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + EscapeXml(s.colour) +
               "\" points=\"" + points + "\"/>";
      }
      points.clear();
    };
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (std::isnan(s.y[i]) || std::isnan(s.x[i])) {
        flush();
        continue;
      }
      points += (points.empty() ? "" : " ") + Fixed(frame.X(s.x[i])) + "," + Fixed(frame.Y(s.y[i]));
    }
    flush();
  }
  return svg + frame.Legend(series) + "</svg>";
}

std::string SvgScatterChart(const std::vector<ChartSeries>& series, const ChartOptions& options) {
  const Frame frame(series, options);
  std::string svg = frame.Open();
  for (const ChartSeries& s : series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (std::isnan(s.y[i]) || std::isnan(s.x[i])) continue;
      svg += "<circle r=\"3.5\" fill=\"" + EscapeXml(s.colour) + "\" cx=\"" +
             Fixed(frame.X(s.x[i])) + "\" cy=\"" + Fixed(frame.Y(s.y[i])) + "\"/>";
    }
  }
  return svg + frame.Legend(series) + "</svg>";
}

}  // namespace clipglass::results
