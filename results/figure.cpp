#include "results/figure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "results/run_view.h"
#include "results/text_render.h"

namespace clipglass::results {
namespace {

constexpr Rgb kInk{20, 20, 20};
constexpr Rgb kMuted{140, 140, 140};  // secondary text: axis names, empty cells
constexpr uint8_t kBackground = 255;
constexpr uint8_t kCellBackground = 238;

// Distinct values of `axis` over the runs, in order of first appearance.
std::vector<std::string> AxisValues(const SweepRecord& sweep, const std::string& axis) {
  std::vector<std::string> values;
  for (const RunRecord& run : sweep.runs) {
    std::string value = RunAttribute(run, axis);
    if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
  }
  return values;
}

Status CheckAxis(const SweepRecord& sweep, const std::string& axis, const char* flag) {
  const std::vector<std::string> names = AttributeNames(sweep);
  if (std::find(names.begin(), names.end(), axis) != names.end()) return Status::Ok();
  std::string available;
  for (const std::string& name : names) available += (available.empty() ? "" : ", ") + name;
  return InvalidArgumentError(std::string(flag) + ": no run attribute '" + axis +
                              "'; available: " + (available.empty() ? "none" : available));
}

void FillRect(Image& image, int x, int y, int w, int h, uint8_t grey) {
  for (int row = std::max(0, y); row < std::min<int>(image.height, y + h); ++row) {
    for (int col = std::max(0, x); col < std::min<int>(image.width, x + w); ++col) {
      uint8_t* pixel = &image.rgb[(static_cast<size_t>(row) * image.width + col) * 3];
      pixel[0] = pixel[1] = pixel[2] = grey;
    }
  }
}

// `source` scaled to fit a `size` square (aspect kept, centred) by averaging the source pixels
// each destination pixel covers, so downscaled StyleGAN outputs do not alias.
void DrawScaled(Image& image, int x, int y, int size, const Image& source) {
  const double scale =
      static_cast<double>(size) / static_cast<double>(std::max(source.width, source.height));
  const int w = std::max(1, static_cast<int>(std::lround(source.width * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(source.height * scale)));
  const int x0 = x + (size - w) / 2;
  const int y0 = y + (size - h) / 2;
  for (int dy = 0; dy < h; ++dy) {
    const int sy0 = static_cast<int>(dy / scale);
    const int sy1 = std::max(sy0 + 1, std::min<int>(source.height, (dy + 1) / scale));
    for (int dx = 0; dx < w; ++dx) {
      const int sx0 = static_cast<int>(dx / scale);
      const int sx1 = std::max(sx0 + 1, std::min<int>(source.width, (dx + 1) / scale));
      double sum[3] = {0, 0, 0};
      for (int sy = sy0; sy < sy1; ++sy) {
        for (int sx = sx0; sx < sx1; ++sx) {
          const uint8_t* p = &source.rgb[(static_cast<size_t>(sy) * source.width + sx) * 3];
          for (int c = 0; c < 3; ++c) sum[c] += p[c];
        }
      }
      const double count = static_cast<double>((sy1 - sy0) * (sx1 - sx0));
      const int px = x0 + dx, py = y0 + dy;
      if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
      uint8_t* out = &image.rgb[(static_cast<size_t>(py) * image.width + px) * 3];
      for (int c = 0; c < 3; ++c) out[c] = static_cast<uint8_t>(std::lround(sum[c] / count));
    }
  }
}

// Wrapped lines of `text` centred horizontally in [x, x + width) from `top`.
void DrawLines(TextRenderer& font, Image& image, int x, int top, int width, int line,
               const std::vector<std::string>& lines, Rgb colour) {
  for (size_t i = 0; i < lines.size(); ++i) {
    const int left = x + std::max(0, (width - font.Width(lines[i])) / 2);
    font.Draw(image, left, top + static_cast<int>(i) * line + font.Ascent(), lines[i], colour);
  }
}

std::string SimilarityLine(const RunRecord& run) {
  const RunHeadline headline = Headline(run);
  if (std::isnan(headline.best_similarity)) return run.state;
  char buffer[96];
  if (std::isnan(headline.discriminator_loss)) {
    std::snprintf(buffer, sizeof(buffer), "similarity %.4f", headline.best_similarity);
  } else {
    std::snprintf(buffer, sizeof(buffer), "similarity %.4f, D loss %.3f", headline.best_similarity,
                  headline.discriminator_loss);
  }
  return buffer;
}

}  // namespace

int FigureLine(const FigureOptions& options) { return options.font_size * 3 / 2; }

int FigureWidth(const FigureOptions& options, int cols) {
  return options.row_label_width + cols * (options.cell_size + options.padding) + options.padding;
}

int FigureHeight(const FigureOptions& options, int rows) {
  const int line = FigureLine(options);
  return 2 * line + options.padding + rows * (options.cell_size + line + options.padding) +
         options.padding;
}

StatusOr<Image> RenderFigure(const SweepRecord& sweep, const FigureOptions& options) {
  if (sweep.runs.empty()) return InvalidArgumentError("figure: the archive has no runs");
  CG_RETURN_IF_ERROR(CheckAxis(sweep, options.rows, "--rows"));
  CG_RETURN_IF_ERROR(CheckAxis(sweep, options.cols, "--cols"));
  if (options.cell_size < 16 || options.font_size < 6 || options.padding < 0 ||
      options.row_label_width < 0) {
    return InvalidArgumentError("figure: cell size, font size, padding or label width too small");
  }
  std::string font_path = options.font_path;
  if (font_path.empty()) {
    CG_ASSIGN_OR_RETURN(font_path, FindDefaultFont());
  }
  CG_ASSIGN_OR_RETURN(std::unique_ptr<TextRenderer> font,
                      TextRenderer::Open(font_path, options.font_size));

  const std::vector<std::string> rows = AxisValues(sweep, options.rows);
  const std::vector<std::string> cols = AxisValues(sweep, options.cols);
  // The run shown in each cell: the best similarity among the runs that fall there.
  std::map<std::pair<size_t, size_t>, const RunRecord*> cells;
  for (const RunRecord& run : sweep.runs) {
    const size_t r =
        std::find(rows.begin(), rows.end(), RunAttribute(run, options.rows)) - rows.begin();
    const size_t c =
        std::find(cols.begin(), cols.end(), RunAttribute(run, options.cols)) - cols.begin();
    const RunRecord*& shown = cells[{r, c}];
    const double similarity = Headline(run).best_similarity;
    if (shown == nullptr ||
        (!std::isnan(similarity) && !(Headline(*shown).best_similarity >= similarity))) {
      shown = &run;
    }
  }

  const int line = FigureLine(options);
  const int pad = options.padding;
  const int cell = options.cell_size;
  Image image;
  image.width = FigureWidth(options, static_cast<int>(cols.size()));
  image.height = FigureHeight(options, static_cast<int>(rows.size()));
  image.rgb.assign(static_cast<size_t>(image.width) * image.height * 3, kBackground);

  // Top-left corner: which attribute runs along which side.
  DrawLines(*font, image, pad, pad, options.row_label_width - pad, line,
            font->Wrap("rows: " + options.rows + ", columns: " + options.cols,
                       options.row_label_width - pad, 2),
            kMuted);
  for (size_t c = 0; c < cols.size(); ++c) {
    const int x = options.row_label_width + static_cast<int>(c) * (cell + pad);
    const std::string label = cols[c].empty() ? "(none)" : options.cols + ": " + cols[c];
    DrawLines(*font, image, x, pad, cell, line, font->Wrap(label, cell, 2), kInk);
  }
  const int grid_top = 2 * line + pad + pad;
  for (size_t r = 0; r < rows.size(); ++r) {
    const int y = grid_top + static_cast<int>(r) * (cell + line + pad);
    const std::string label = rows[r].empty() ? "(none)" : rows[r];
    const int max_lines = std::max(1, cell / line);
    DrawLines(*font, image, pad, y, options.row_label_width - 2 * pad, line,
              font->Wrap(label, options.row_label_width - 2 * pad, max_lines), kInk);
    for (size_t c = 0; c < cols.size(); ++c) {
      const int x = options.row_label_width + static_cast<int>(c) * (cell + pad);
      FillRect(image, x, y, cell, cell, kCellBackground);
      auto it = cells.find({r, c});
      if (it == cells.end()) {
        DrawLines(*font, image, x, y + cell / 2 - line / 2, cell, line, {"no run"}, kMuted);
        continue;
      }
      const RunRecord& run = *it->second;
      const FinalIndividual* final = run.final_individual ? &*run.final_individual : nullptr;
      if (final != nullptr && !final->image.empty()) {
        DrawScaled(image, x, y, cell, final->image);
      } else if (final != nullptr && !final->caption.empty()) {
        const std::vector<std::string> lines =
            font->Wrap("\u201C" + final->caption + "\u201D", cell - 2 * pad, cell / line);
        const int top = y + (cell - static_cast<int>(lines.size()) * line) / 2;
        DrawLines(*font, image, x + pad, top, cell - 2 * pad, line, lines, kInk);
      } else {
        DrawLines(*font, image, x, y + cell / 2 - line / 2, cell, line,
                  {run.state + " (" + std::to_string(run.generations_done) + "/" +
                   std::to_string(run.generations_total) + ")"},
                  kMuted);
      }
      DrawLines(*font, image, x, y + cell + 2, cell, line, font->Wrap(SimilarityLine(run), cell, 1),
                kInk);
    }
  }
  return image;
}

}  // namespace clipglass::results
