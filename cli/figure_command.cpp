// `clipglass figure ARCHIVE.h5 --rows AXIS --cols AXIS --out FIG.png`: the final outputs of a
// sweep as a labelled grid (results/figure.h).
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "common/png_codec.h"
#include "results/archive.h"
#include "results/figure.h"

namespace clipglass::cli {
namespace {

struct FigureFlags {
  std::string archive;
  std::string out;
  results::FigureOptions options;
};

void Run(const FigureFlags& flags) {
  StatusOr<results::SweepRecord> sweep = results::ReadArchive(flags.archive);
  if (!sweep.ok()) Fail(sweep.status());
  StatusOr<results::Image> figure = results::RenderFigure(*sweep, flags.options);
  if (!figure.ok()) Fail(figure.status().WithContext(flags.archive));
  StatusOr<std::string> png = EncodePng({figure->width, figure->height, figure->rgb});
  if (!png.ok()) Fail(png.status().WithContext(flags.out));
  std::ofstream file(flags.out, std::ios::binary | std::ios::trunc);
  file.write(png->data(), static_cast<std::streamsize>(png->size()));
  file.close();
  if (!file) Fail(InternalError(flags.out + ": cannot write"));
  std::printf("%s: %lldx%lld\n", flags.out.c_str(), static_cast<long long>(figure->width),
              static_cast<long long>(figure->height));
}

}  // namespace

void AddFigureCommand(CLI::App& app) {
  auto flags = std::make_shared<FigureFlags>();
  results::FigureOptions& options = flags->options;
  CLI::App* sub =
      app.add_subcommand("figure", "A labelled grid (PNG) of a sweep's final images and captions");
  sub->add_option("archive", flags->archive, "The sweep archive (.h5)")->required();
  sub->add_option("--rows", options.rows, "Run attribute along the rows, e.g. target")->required();
  sub->add_option("--cols", options.cols, "Run attribute along the columns, e.g. generator")
      ->required();
  sub->add_option("--out", flags->out, "The PNG to write")->required();
  sub->add_option("--cell-size", options.cell_size, "Pixels per cell")->capture_default_str();
  sub->add_option("--font-size", options.font_size, "Label size in pixels")->capture_default_str();
  sub->add_option("--label-width", options.row_label_width, "Pixels for the row labels")
      ->capture_default_str();
  sub->add_option("--font", options.font_path,
                  "A .ttf font (default: $CLIPGLASS_FONT, else DejaVu Sans)");
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
