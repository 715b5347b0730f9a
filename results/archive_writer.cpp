// Writes a SweepRecord to HDF5 (schema: docs/archive_format.md).
#include <hdf5.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "results/archive.h"
#include "results/hdf5_io.h"

namespace clipglass::results {
namespace {

using hdf5::Handle;

Status WritePopulation(hid_t parent, const std::string& name, const Population& population) {
  CG_ASSIGN_OR_RETURN(Handle group, hdf5::CreateGroup(parent, name));
  const hsize_t rows = static_cast<hsize_t>(population.rows());
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(group.get(), "generation", population.generation));
  CG_RETURN_IF_ERROR(hdf5::WriteDoubles(group.get(), "genomes", population.genomes,
                                        {rows, static_cast<hsize_t>(population.genes)}));
  CG_RETURN_IF_ERROR(hdf5::WriteDoubles(group.get(), "objectives", population.values,
                                        {rows, static_cast<hsize_t>(population.objectives)}));
  CG_RETURN_IF_ERROR(hdf5::WriteInt32s(group.get(), "island", population.island));
  return Status::Ok();
}

Status WriteStats(hid_t run, const std::vector<GenerationStats>& stats) {
  CG_ASSIGN_OR_RETURN(Handle group, hdf5::CreateGroup(run, "stats"));
  const hsize_t n = stats.size();
  std::vector<int64_t> generation, evaluations;
  for (const GenerationStats& s : stats) {
    generation.push_back(s.generation);
    evaluations.push_back(s.evaluations);
  }
  CG_RETURN_IF_ERROR(hdf5::WriteInt64s(group.get(), "generation", generation));
  CG_RETURN_IF_ERROR(hdf5::WriteInt64s(group.get(), "evaluations", evaluations));
  auto column = [&](const char* name, double GenerationStats::*field) {
    std::vector<double> values;
    values.reserve(n);
    for (const GenerationStats& s : stats) values.push_back(s.*field);
    return hdf5::WriteDoubles(group.get(), name, values, {n});
  };
  CG_RETURN_IF_ERROR(column("best_similarity", &GenerationStats::best_similarity));
  CG_RETURN_IF_ERROR(column("mean_similarity", &GenerationStats::mean_similarity));
  CG_RETURN_IF_ERROR(column("median_similarity", &GenerationStats::median_similarity));
  CG_RETURN_IF_ERROR(column("best_discriminator_loss", &GenerationStats::best_discriminator_loss));
  CG_RETURN_IF_ERROR(column("mean_discriminator_loss", &GenerationStats::mean_discriminator_loss));
  CG_RETURN_IF_ERROR(column("hypervolume", &GenerationStats::hypervolume));
  CG_RETURN_IF_ERROR(column("wall_seconds", &GenerationStats::wall_seconds));
  return Status::Ok();
}

Status WriteRun(hid_t runs, const RunRecord& run) {
  if (run.id.empty() || run.id.find('/') != std::string::npos || run.id == "." || run.id == "..") {
    return InvalidArgumentError("run id '" + run.id + "' cannot name an HDF5 group");
  }
  CG_ASSIGN_OR_RETURN(Handle group, hdf5::CreateGroup(runs, run.id));
  const hid_t g = group.get();
  // Resolved settings first; the bookkeeping fields below are reserved names and win.
  CG_RETURN_IF_ERROR(hdf5::WriteAttributes(g, run.attributes));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "run_id", run.id));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "index", run.index));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "state", run.state));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "error", run.error));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "generations_done", run.generations_done));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "generations_total", run.generations_total));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "evaluations", run.evaluations));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "cache_hits", run.cache_hits));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(g, "wall_seconds", run.wall_seconds));
  CG_RETURN_IF_ERROR(hdf5::WriteString(g, "config_yaml", run.config_yaml));
  CG_RETURN_IF_ERROR(hdf5::WriteStrings(g, "objective_names", run.objective_names));
  CG_RETURN_IF_ERROR(WriteStats(g, run.stats));

  CG_ASSIGN_OR_RETURN(Handle snapshots, hdf5::CreateGroup(g, "snapshots"));
  for (const Population& population : run.snapshots) {
    char name[32];
    std::snprintf(name, sizeof(name), "gen_%06lld", static_cast<long long>(population.generation));
    CG_RETURN_IF_ERROR(WritePopulation(snapshots.get(), name, population));
  }
  if (run.pareto_front) CG_RETURN_IF_ERROR(WritePopulation(g, "pareto_front", *run.pareto_front));
  if (run.final_individual) {
    const FinalIndividual& final = *run.final_individual;
    CG_ASSIGN_OR_RETURN(Handle group_final, hdf5::CreateGroup(g, "final"));
    CG_RETURN_IF_ERROR(hdf5::WriteDoubles(group_final.get(), "genome", final.genome,
                                          {static_cast<hsize_t>(final.genome.size())}));
    CG_RETURN_IF_ERROR(hdf5::WriteDoubles(group_final.get(), "objectives", final.objectives,
                                          {static_cast<hsize_t>(final.objectives.size())}));
    if (!final.image.empty()) {
      CG_RETURN_IF_ERROR(hdf5::WriteImage(group_final.get(), "image", final.image));
    }
    if (!final.caption.empty()) {
      CG_RETURN_IF_ERROR(hdf5::WriteString(group_final.get(), "caption", final.caption));
    }
  }
  CG_RETURN_IF_ERROR(hdf5::WriteBytes(g, "engine_state", run.engine_state));
  return Status::Ok();
}

Status WriteSweep(hid_t file, const SweepRecord& sweep) {
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(file, "schema_version", sweep.schema_version));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(file, "sweep_name", sweep.name));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(file, "grid_path", sweep.grid_path));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(file, "state", sweep.state));
  const Provenance& p = sweep.provenance;
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(file, "program_version", p.program_version));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(file, "git_commit", p.git_commit));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(file, "created_utc", p.created_utc));
  CG_RETURN_IF_ERROR(hdf5::WriteAttribute(file, "hostname", p.hostname));
  CG_RETURN_IF_ERROR(hdf5::WriteString(file, "grid_yaml", sweep.grid_yaml));

  CG_ASSIGN_OR_RETURN(Handle provenance, hdf5::CreateGroup(file, "provenance"));
  std::vector<std::string> paths, checksums;
  for (const auto& [path, sha] : p.weights_sha256) {
    paths.push_back(path);
    checksums.push_back(sha);
  }
  CG_RETURN_IF_ERROR(hdf5::WriteStrings(provenance.get(), "weights_path", paths));
  CG_RETURN_IF_ERROR(hdf5::WriteStrings(provenance.get(), "weights_sha256", checksums));
  CG_RETURN_IF_ERROR(hdf5::WriteStrings(provenance.get(), "worker_devices", p.worker_devices));

  CG_ASSIGN_OR_RETURN(Handle runs, hdf5::CreateGroup(file, "runs"));
  for (const RunRecord& run : sweep.runs) CG_RETURN_IF_ERROR(WriteRun(runs.get(), run));
  return Status::Ok();
}

}  // namespace

Status WriteArchive(const std::string& path, const SweepRecord& sweep) {
  hdf5::SilenceErrorPrinting();
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) return UnavailableError(tmp + ": cannot create HDF5 file");
    Status status = WriteSweep(file.get(), sweep);
    if (status.ok() && H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) {
      status = UnavailableError(tmp + ": flush failed");
    }
    if (!status.ok()) {
      file = Handle();
      std::remove(tmp.c_str());
      return status.WithContext(path);
    }
  }
  // fsync the finished file so a power loss after rename cannot leave an empty archive.
  if (FILE* f = std::fopen(tmp.c_str(), "rb")) {
    ::fsync(fileno(f));
    std::fclose(f);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return UnavailableError(path + ": rename failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace clipglass::results
