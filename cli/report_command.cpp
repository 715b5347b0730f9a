// `clipglass report ARCHIVE.h5 --out report.html`: one self-contained HTML page with every run's
// convergence curves, Pareto front and output (results/report.h).
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "results/archive.h"
#include "results/report.h"

namespace clipglass::cli {
namespace {

struct ReportFlags {
  std::string archive;
  std::string out;
};

void Run(const ReportFlags& flags) {
  StatusOr<results::SweepRecord> sweep = results::ReadArchive(flags.archive);
  if (!sweep.ok()) Fail(sweep.status());
  StatusOr<std::string> html = results::RenderReport(*sweep);
  if (!html.ok()) Fail(html.status().WithContext(flags.archive));
  std::ofstream file(flags.out, std::ios::binary | std::ios::trunc);
  file << *html;
  file.close();
  if (!file) Fail(InternalError(flags.out + ": cannot write"));
  std::printf("%s: %zu runs\n", flags.out.c_str(), sweep->runs.size());
}

}  // namespace

void AddReportCommand(CLI::App& app) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* sub = app.add_subcommand("report", "A self-contained HTML report of a sweep archive");
  sub->add_option("archive", flags->archive, "The sweep archive (.h5)")->required();
  sub->add_option("--out", flags->out, "The HTML file to write")->required();
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
