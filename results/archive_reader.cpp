// Reads a SweepRecord back from HDF5 (schema: docs/archive_format.md). Read-only.
#include <hdf5.h>

#include <algorithm>
#include <set>

#include "results/archive.h"
#include "results/hdf5_io.h"

namespace clipglass::results {
namespace {

using hdf5::Handle;

// Run-group attributes that are bookkeeping, not resolved settings.
const std::set<std::string>& ReservedRunAttributes() {
  static const std::set<std::string> kReserved = {
      "run_id",      "index",      "state",       "error", "generations_done", "generations_total",
      "evaluations", "cache_hits", "wall_seconds"};
  return kReserved;
}

template <typename T>
StatusOr<T> Get(const Attributes& attributes, const std::string& name, hid_t object) {
  auto it = attributes.find(name);
  if (it == attributes.end()) {
    return DataLossError(hdf5::ObjectPath(object, "@" + name) + ": missing attribute");
  }
  if (const T* value = std::get_if<T>(&it->second)) return *value;
  return DataLossError(hdf5::ObjectPath(object, "@" + name) + ": attribute has the wrong type");
}

StatusOr<Population> ReadPopulation(hid_t parent, const std::string& name) {
  CG_ASSIGN_OR_RETURN(Handle group, hdf5::OpenGroup(parent, name));
  Population population;
  CG_ASSIGN_OR_RETURN(Attributes attributes, hdf5::ReadAllAttributes(group.get()));
  CG_ASSIGN_OR_RETURN(population.generation, Get<int64_t>(attributes, "generation", group.get()));
  std::vector<hsize_t> dims;
  CG_ASSIGN_OR_RETURN(population.genomes, hdf5::ReadDoubles(group.get(), "genomes", &dims));
  population.genes = dims.size() == 2 ? static_cast<int64_t>(dims[1]) : 0;
  CG_ASSIGN_OR_RETURN(population.values, hdf5::ReadDoubles(group.get(), "objectives", &dims));
  population.objectives = dims.size() == 2 ? static_cast<int64_t>(dims[1]) : 0;
  CG_ASSIGN_OR_RETURN(population.island, hdf5::ReadInt32s(group.get(), "island"));
  return population;
}

StatusOr<std::vector<GenerationStats>> ReadStats(hid_t run) {
  CG_ASSIGN_OR_RETURN(Handle group, hdf5::OpenGroup(run, "stats"));
  const hid_t g = group.get();
  CG_ASSIGN_OR_RETURN(std::vector<int64_t> generation, hdf5::ReadInt64s(g, "generation"));
  CG_ASSIGN_OR_RETURN(std::vector<int64_t> evaluations, hdf5::ReadInt64s(g, "evaluations"));
  std::vector<GenerationStats> stats(generation.size());
  if (evaluations.size() != stats.size()) {
    return DataLossError(hdf5::ObjectPath(g, "evaluations") + ": length differs from generation");
  }
  for (size_t i = 0; i < stats.size(); ++i) {
    stats[i].generation = generation[i];
    stats[i].evaluations = evaluations[i];
  }
  const std::pair<const char*, double GenerationStats::*> columns[] = {
      {"best_similarity", &GenerationStats::best_similarity},
      {"mean_similarity", &GenerationStats::mean_similarity},
      {"median_similarity", &GenerationStats::median_similarity},
      {"best_discriminator_loss", &GenerationStats::best_discriminator_loss},
      {"mean_discriminator_loss", &GenerationStats::mean_discriminator_loss},
      {"hypervolume", &GenerationStats::hypervolume},
      {"wall_seconds", &GenerationStats::wall_seconds},
  };
  for (const auto& [name, field] : columns) {
    CG_ASSIGN_OR_RETURN(std::vector<double> values, hdf5::ReadDoubles(g, name));
    if (values.size() != stats.size()) {
      return DataLossError(hdf5::ObjectPath(g, name) + ": length differs from generation");
    }
    for (size_t i = 0; i < stats.size(); ++i) stats[i].*field = values[i];
  }
  return stats;
}

StatusOr<RunRecord> ReadRun(hid_t runs, const std::string& id) {
  CG_ASSIGN_OR_RETURN(Handle group, hdf5::OpenGroup(runs, id));
  const hid_t g = group.get();
  RunRecord run;
  CG_ASSIGN_OR_RETURN(Attributes attributes, hdf5::ReadAllAttributes(g));
  CG_ASSIGN_OR_RETURN(run.id, Get<std::string>(attributes, "run_id", g));
  CG_ASSIGN_OR_RETURN(run.index, Get<int64_t>(attributes, "index", g));
  CG_ASSIGN_OR_RETURN(run.state, Get<std::string>(attributes, "state", g));
  CG_ASSIGN_OR_RETURN(run.error, Get<std::string>(attributes, "error", g));
  CG_ASSIGN_OR_RETURN(run.generations_done, Get<int64_t>(attributes, "generations_done", g));
  CG_ASSIGN_OR_RETURN(run.generations_total, Get<int64_t>(attributes, "generations_total", g));
  CG_ASSIGN_OR_RETURN(run.evaluations, Get<int64_t>(attributes, "evaluations", g));
  CG_ASSIGN_OR_RETURN(run.cache_hits, Get<int64_t>(attributes, "cache_hits", g));
  CG_ASSIGN_OR_RETURN(run.wall_seconds, Get<double>(attributes, "wall_seconds", g));
  for (auto& [name, value] : attributes) {
    if (ReservedRunAttributes().count(name) == 0) run.attributes[name] = value;
  }
  CG_ASSIGN_OR_RETURN(run.config_yaml, hdf5::ReadString(g, "config_yaml"));
  CG_ASSIGN_OR_RETURN(run.objective_names, hdf5::ReadStrings(g, "objective_names"));
  CG_ASSIGN_OR_RETURN(run.stats, ReadStats(g));

  CG_ASSIGN_OR_RETURN(Handle snapshots, hdf5::OpenGroup(g, "snapshots"));
  CG_ASSIGN_OR_RETURN(std::vector<std::string> names, hdf5::ListChildren(snapshots.get()));
  for (const std::string& name : names) {
    CG_ASSIGN_OR_RETURN(Population population, ReadPopulation(snapshots.get(), name));
    run.snapshots.push_back(std::move(population));
  }
  if (hdf5::Exists(g, "pareto_front")) {
    CG_ASSIGN_OR_RETURN(Population front, ReadPopulation(g, "pareto_front"));
    run.pareto_front = std::move(front);
  }
  if (hdf5::Exists(g, "final")) {
    CG_ASSIGN_OR_RETURN(Handle final_group, hdf5::OpenGroup(g, "final"));
    FinalIndividual final;
    CG_ASSIGN_OR_RETURN(final.genome, hdf5::ReadDoubles(final_group.get(), "genome"));
    CG_ASSIGN_OR_RETURN(final.objectives, hdf5::ReadDoubles(final_group.get(), "objectives"));
    if (hdf5::Exists(final_group.get(), "image")) {
      CG_ASSIGN_OR_RETURN(final.image, hdf5::ReadImage(final_group.get(), "image"));
    }
    if (hdf5::Exists(final_group.get(), "caption")) {
      CG_ASSIGN_OR_RETURN(final.caption, hdf5::ReadString(final_group.get(), "caption"));
    }
    run.final_individual = std::move(final);
  }
  CG_ASSIGN_OR_RETURN(run.engine_state, hdf5::ReadBytes(g, "engine_state"));
  return run;
}

}  // namespace

StatusOr<SweepRecord> ReadArchive(const std::string& path) {
  hdf5::SilenceErrorPrinting();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    return NotFoundError(path + ": not a readable HDF5 file");
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) return DataLossError(path + ": cannot open HDF5 file");
  const hid_t f = file.get();

  SweepRecord sweep;
  CG_ASSIGN_OR_RETURN(Attributes attributes, hdf5::ReadAllAttributes(f));
  CG_ASSIGN_OR_RETURN(sweep.schema_version, Get<int64_t>(attributes, "schema_version", f));
  if (sweep.schema_version > kArchiveSchemaVersion) {
    return FailedPreconditionError(
        path + ": archive schema version " + std::to_string(sweep.schema_version) +
        " is newer than this program reads (" + std::to_string(kArchiveSchemaVersion) + ")");
  }
  CG_ASSIGN_OR_RETURN(sweep.name, Get<std::string>(attributes, "sweep_name", f));
  CG_ASSIGN_OR_RETURN(sweep.grid_path, Get<std::string>(attributes, "grid_path", f));
  CG_ASSIGN_OR_RETURN(sweep.state, Get<std::string>(attributes, "state", f));
  Provenance& p = sweep.provenance;
  CG_ASSIGN_OR_RETURN(p.program_version, Get<std::string>(attributes, "program_version", f));
  CG_ASSIGN_OR_RETURN(p.git_commit, Get<std::string>(attributes, "git_commit", f));
  CG_ASSIGN_OR_RETURN(p.created_utc, Get<std::string>(attributes, "created_utc", f));
  CG_ASSIGN_OR_RETURN(p.hostname, Get<std::string>(attributes, "hostname", f));
  CG_ASSIGN_OR_RETURN(sweep.grid_yaml, hdf5::ReadString(f, "grid_yaml"));

  CG_ASSIGN_OR_RETURN(Handle provenance, hdf5::OpenGroup(f, "provenance"));
  CG_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                      hdf5::ReadStrings(provenance.get(), "weights_path"));
  CG_ASSIGN_OR_RETURN(std::vector<std::string> checksums,
                      hdf5::ReadStrings(provenance.get(), "weights_sha256"));
  for (size_t i = 0; i < paths.size() && i < checksums.size(); ++i) {
    p.weights_sha256[paths[i]] = checksums[i];
  }
  CG_ASSIGN_OR_RETURN(p.worker_devices, hdf5::ReadStrings(provenance.get(), "worker_devices"));

  CG_ASSIGN_OR_RETURN(Handle runs, hdf5::OpenGroup(f, "runs"));
  CG_ASSIGN_OR_RETURN(std::vector<std::string> ids, hdf5::ListChildren(runs.get()));
  for (const std::string& id : ids) {
    CG_ASSIGN_OR_RETURN(RunRecord run, ReadRun(runs.get(), id));
    sweep.runs.push_back(std::move(run));
  }
  std::sort(sweep.runs.begin(), sweep.runs.end(),
            [](const RunRecord& a, const RunRecord& b) { return a.index < b.index; });
  return sweep;
}

}  // namespace clipglass::results
