// What `clipglass figure` draws: the final outputs of a sweep's runs as a labelled grid, laid out
// by two run attributes (the paper's Figures 6-8: rows = caption, columns = generator with and
// without discriminator). Images are scaled into square cells; captions (img2txt runs) are drawn
// as text cells; under each cell is the run's similarity.
#pragma once

#include <string>

#include "common/status.h"
#include "results/archive.h"

namespace clipglass::results {

struct FigureOptions {
  std::string rows;           // run attribute whose values label the rows, e.g. "target"
  std::string cols;           // run attribute whose values label the columns, e.g. "generator"
  int cell_size = 256;        // pixels of the square each output is scaled into
  int font_size = 16;         // pixels
  int row_label_width = 240;  // pixels left of the grid for row labels
  int padding = 12;           // pixels between and around cells
  std::string font_path;      // empty: FindDefaultFont()
};

// Size of the figure, a function of the options and the grid's shape only:
//   line = font_size * 3 / 2
//   width  = row_label_width + cols * (cell_size + padding) + padding
//   height = 2 * line + padding + rows * (cell_size + line + padding) + padding
// (a two-line column header, then each row's cells with one line of text under them).
int FigureLine(const FigureOptions& options);
int FigureWidth(const FigureOptions& options, int cols);
int FigureHeight(const FigureOptions& options, int rows);

// The figure. Rows and columns follow the order in which their values first appear among the
// runs (grid order). Where several runs share a cell (other axes, e.g. seeds), the one with the
// best similarity is shown. An unknown axis is InvalidArgument listing the available ones.
StatusOr<Image> RenderFigure(const SweepRecord& sweep, const FigureOptions& options);

}  // namespace clipglass::results
