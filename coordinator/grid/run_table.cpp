#include "coordinator/grid/run_table.h"

#include <fmt/format.h>

#include <vector>

namespace clipglass::grid {
namespace {

constexpr size_t kMaxTargetWidth = 40;

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// `s` on one line, at most `max_width` code points (the last three "..." when cut).
std::string Cell(std::string_view s, size_t max_width) {
  std::string flat;
  for (char c : s) flat += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  if (DisplayWidth(flat) <= max_width) return flat;
  std::string out;
  size_t width = 0;
  for (size_t i = 0; i < flat.size(); ++i) {
    if (!IsContinuationByte(flat[i])) {
      if (width == max_width - 3) break;
      ++width;
    }
    out += flat[i];
  }
  return out + "...";
}

}  // namespace

size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += IsContinuationByte(c) ? 0 : 1;
  return n;
}

std::string FormatRunTable(const Grid& grid) {
  std::vector<std::vector<std::string>> rows = {{"id", "config", "task", "target", "disc",
                                                 "algorithm", "seed", "pop", "generations",
                                                 "islands"}};
  for (const RunSpec& run : grid.runs) {
    rows.push_back({run.id, run.config.name, std::string(TaskName(run.task())),
                    Cell(run.target.text, kMaxTargetWidth), run.discriminator ? "yes" : "no",
                    std::string(AlgorithmName(run.ga.algorithm)), std::to_string(run.seed),
                    std::to_string(run.ga.population), std::to_string(run.ga.generations),
                    std::to_string(run.ga.islands)});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - DisplayWidth(row[c]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace clipglass::grid
