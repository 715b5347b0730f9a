#include "results/export.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/png_codec.h"
#include "results/run_view.h"

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

// Shortest text that reads back to the same double; NaN as an empty cell.
std::string Cell(double value) {
  if (std::isnan(value)) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

Status WriteFile(const fs::path& path, const std::string& bytes) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) {
    return InternalError(path.parent_path().string() +
                         ": cannot create folder: " + error.message());
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return InternalError(path.string() + ": cannot write");
  return Status::Ok();
}

std::string ObjectiveHeader(const std::vector<std::string>& names, int64_t count) {
  std::string header;
  for (int64_t i = 0; i < count; ++i) {
    header +=
        "," + (i < static_cast<int64_t>(names.size()) ? names[i] : "objective" + std::to_string(i));
  }
  return header;
}

std::string StatsCsv(const std::vector<GenerationStats>& stats) {
  std::string out =
      "generation,best_similarity,mean_similarity,median_similarity,best_discriminator_loss,"
      "mean_discriminator_loss,hypervolume,evaluations,wall_seconds\n";
  for (const GenerationStats& s : stats) {
    out += std::to_string(s.generation) + "," + Cell(s.best_similarity) + "," +
           Cell(s.mean_similarity) + "," + Cell(s.median_similarity) + "," +
           Cell(s.best_discriminator_loss) + "," + Cell(s.mean_discriminator_loss) + "," +
           Cell(s.hypervolume) + "," + std::to_string(s.evaluations) + "," + Cell(s.wall_seconds) +
           "\n";
  }
  return out;
}

std::string FinalCsv(const FinalIndividual& final, const std::vector<std::string>& names) {
  std::string header = ObjectiveHeader(names, static_cast<int64_t>(final.objectives.size()));
  std::string row;
  for (double value : final.objectives) row += "," + Cell(value);
  for (size_t g = 0; g < final.genome.size(); ++g) {
    header += ",g" + std::to_string(g);
    row += "," + Cell(final.genome[g]);
  }
  // Drop the leading commas: the first column is the first objective (or gene).
  if (!header.empty()) header.erase(0, 1);
  if (!row.empty()) row.erase(0, 1);
  return header + "\n" + row + "\n";
}

std::string SnapshotName(int64_t generation) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "gen_%06lld.csv", static_cast<long long>(generation));
  return buffer;
}

}  // namespace

std::string PopulationCsv(const Population& population,
                          const std::vector<std::string>& objective_names) {
  std::string out = "island" + ObjectiveHeader(objective_names, population.objectives);
  for (int64_t g = 0; g < population.genes; ++g) out += ",g" + std::to_string(g);
  out += "\n";
  for (int64_t r = 0; r < population.rows(); ++r) {
    out += r < static_cast<int64_t>(population.island.size()) ? std::to_string(population.island[r])
                                                              : "";
    for (int64_t o = 0; o < population.objectives; ++o) {
      size_t i = static_cast<size_t>(r * population.objectives + o);
      out += "," + (i < population.values.size() ? Cell(population.values[i]) : "");
    }
    for (int64_t g = 0; g < population.genes; ++g) {
      out += "," + Cell(population.genomes[static_cast<size_t>(r * population.genes + g)]);
    }
    out += "\n";
  }
  return out;
}

Status ExportRun(const RunRecord& run, const std::string& run_dir) {
  const fs::path dir(run_dir);
  CG_RETURN_IF_ERROR(WriteFile(dir / "config.yaml", run.config_yaml));
  CG_RETURN_IF_ERROR(WriteFile(dir / "stats.csv", StatsCsv(run.stats)));
  for (const Population& snapshot : run.snapshots) {
    CG_RETURN_IF_ERROR(WriteFile(dir / "snapshots" / SnapshotName(snapshot.generation),
                                 PopulationCsv(snapshot, run.objective_names)));
  }
  if (run.pareto_front) {
    CG_RETURN_IF_ERROR(
        WriteFile(dir / "pareto_front.csv", PopulationCsv(*run.pareto_front, run.objective_names)));
  }
  if (run.final_individual) {
    const FinalIndividual& final = *run.final_individual;
    CG_RETURN_IF_ERROR(WriteFile(dir / "final.csv", FinalCsv(final, run.objective_names)));
    if (!final.image.empty()) {
      RgbImage image{final.image.width, final.image.height, final.image.rgb};
      StatusOr<std::string> png = EncodePng(image);
      if (!png.ok()) return png.status().WithContext("run " + run.id + " final image");
      CG_RETURN_IF_ERROR(WriteFile(dir / "final.png", *png));
    }
    if (!final.caption.empty()) {
      CG_RETURN_IF_ERROR(WriteFile(dir / "final_caption.txt", final.caption + "\n"));
    }
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> ExportSweep(const SweepRecord& sweep,
                                               const std::optional<std::string>& run_id,
                                               const std::string& out_dir,
                                               const std::string& archive_path) {
  std::vector<const RunRecord*> runs;
  if (run_id) {
    CG_ASSIGN_OR_RETURN(const RunRecord* run, FindRun(sweep, *run_id, archive_path));
    runs.push_back(run);
  } else {
    for (const RunRecord& run : sweep.runs) runs.push_back(&run);
  }
  CG_RETURN_IF_ERROR(WriteFile(fs::path(out_dir) / "grid.yaml", sweep.grid_yaml));
  std::vector<std::string> written;
  for (const RunRecord* run : runs) {
    // Group names cannot hold '/', but "." or ".." would escape the output folder.
    if (run->id.empty() || run->id == "." || run->id == "..") {
      return DataLossError(archive_path + ": run id '" + run->id + "' is not a folder name");
    }
    std::string dir = (fs::path(out_dir) / run->id).string();
    CG_RETURN_IF_ERROR(ExportRun(*run, dir));
    written.push_back(dir);
  }
  return written;
}

}  // namespace clipglass::results
