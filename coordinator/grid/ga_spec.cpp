#include "coordinator/grid/ga_spec.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace clipglass::grid::internal {
namespace {

template <typename T>
void Overlay(const std::optional<Located<T>>& over, std::optional<Located<T>>* base) {
  if (over) *base = over;
}

template <typename T>
void Take(const std::optional<Located<T>>& field, T* out) {
  if (field) *out = field->value;
}

}  // namespace

const std::vector<std::string>& GaSpecKeys() {
  static const std::vector<std::string> keys = {
      "algorithm", "population",           "batch_size",      "generations",
      "faithful",  "eliminate_duplicates", "operators",       "islands",
      "migration", "save_every",           "max_evaluations", "final_weights"};
  return keys;
}

Status ReadGaSpec(const MapReader& map, GaSpec* out) {
  CG_RETURN_IF_ERROR(map.ReadEnum<Algorithm>("algorithm", kAlgorithmNames, &out->algorithm));
  CG_RETURN_IF_ERROR(map.ReadInt("population", &out->population));
  CG_RETURN_IF_ERROR(map.ReadInt("batch_size", &out->batch_size));
  CG_RETURN_IF_ERROR(map.ReadInt("generations", &out->generations));
  CG_RETURN_IF_ERROR(map.ReadBool("faithful", &out->faithful));
  CG_RETURN_IF_ERROR(map.ReadBool("eliminate_duplicates", &out->eliminate_duplicates));
  CG_RETURN_IF_ERROR(map.ReadInt("islands", &out->islands));
  CG_RETURN_IF_ERROR(map.ReadInt("save_every", &out->save_every));
  CG_RETURN_IF_ERROR(map.ReadInt("max_evaluations", &out->max_evaluations));
  const YamlDocument& doc = map.doc();
  if (map.Has("final_weights")) {
    const YAML::Node& list = map.Value("final_weights");
    CG_RETURN_IF_ERROR(ExpectList(doc, list, "'final_weights'"));
    Located<std::vector<double>> weights{{}, map.Where("final_weights")};
    for (const YAML::Node& item : list) {
      double w = 0;
      CG_RETURN_IF_ERROR(NodeToDouble(doc, item, "an item of 'final_weights'", &w));
      weights.value.push_back(w);
    }
    out->final_weights = weights;
  }
  if (map.Has("operators")) {
    CG_ASSIGN_OR_RETURN(MapReader ops,
                        MapReader::Open(doc, map.Value("operators"), "operators",
                                        {"sbx", "pm", "hux", "bitflip", "uniform", "reset"}));
    if (ops.Has("sbx")) {
      CG_ASSIGN_OR_RETURN(MapReader sbx,
                          MapReader::Open(doc, ops.Value("sbx"), "operators.sbx", {"prob", "eta"}));
      CG_RETURN_IF_ERROR(sbx.ReadDouble("prob", &out->sbx_prob));
      CG_RETURN_IF_ERROR(sbx.ReadDouble("eta", &out->sbx_eta));
    }
    if (ops.Has("pm")) {
      CG_ASSIGN_OR_RETURN(MapReader pm,
                          MapReader::Open(doc, ops.Value("pm"), "operators.pm", {"prob", "eta"}));
      CG_RETURN_IF_ERROR(pm.ReadDouble("prob", &out->pm_prob));
      CG_RETURN_IF_ERROR(pm.ReadDouble("eta", &out->pm_eta));
    }
    if (ops.Has("hux")) {
      CG_ASSIGN_OR_RETURN(MapReader hux,
                          MapReader::Open(doc, ops.Value("hux"), "operators.hux", {"prob"}));
      CG_RETURN_IF_ERROR(hux.ReadDouble("prob", &out->hux_prob));
    }
    if (ops.Has("bitflip")) {
      CG_ASSIGN_OR_RETURN(MapReader flip, MapReader::Open(doc, ops.Value("bitflip"),
                                                          "operators.bitflip", {"prob"}));
      CG_RETURN_IF_ERROR(flip.ReadDouble("prob", &out->bitflip_prob));
    }
    if (ops.Has("uniform")) {
      CG_ASSIGN_OR_RETURN(MapReader uniform, MapReader::Open(doc, ops.Value("uniform"),
                                                             "operators.uniform", {"prob"}));
      CG_RETURN_IF_ERROR(uniform.ReadDouble("prob", &out->uniform_prob));
    }
    if (ops.Has("reset")) {
      CG_ASSIGN_OR_RETURN(MapReader reset,
                          MapReader::Open(doc, ops.Value("reset"), "operators.reset", {"prob"}));
      CG_RETURN_IF_ERROR(reset.ReadDouble("prob", &out->reset_prob));
    }
  }
  if (map.Has("migration")) {
    CG_ASSIGN_OR_RETURN(MapReader mig, MapReader::Open(doc, map.Value("migration"), "migration",
                                                       {"interval", "count", "topology"}));
    CG_RETURN_IF_ERROR(mig.ReadInt("interval", &out->migration_interval));
    CG_RETURN_IF_ERROR(mig.ReadInt("count", &out->migration_count));
    CG_RETURN_IF_ERROR(mig.ReadEnum<Topology>("topology", kTopologyNames, &out->topology));
  }
  return Status::Ok();
}

GaSpec MergeGaSpec(const GaSpec& base, const GaSpec& over) {
  GaSpec m = base;
  Overlay(over.algorithm, &m.algorithm);
  Overlay(over.population, &m.population);
  Overlay(over.batch_size, &m.batch_size);
  Overlay(over.generations, &m.generations);
  Overlay(over.faithful, &m.faithful);
  Overlay(over.eliminate_duplicates, &m.eliminate_duplicates);
  Overlay(over.sbx_prob, &m.sbx_prob);
  Overlay(over.sbx_eta, &m.sbx_eta);
  Overlay(over.pm_prob, &m.pm_prob);
  Overlay(over.pm_eta, &m.pm_eta);
  Overlay(over.hux_prob, &m.hux_prob);
  Overlay(over.bitflip_prob, &m.bitflip_prob);
  Overlay(over.uniform_prob, &m.uniform_prob);
  Overlay(over.reset_prob, &m.reset_prob);
  Overlay(over.islands, &m.islands);
  Overlay(over.migration_interval, &m.migration_interval);
  Overlay(over.migration_count, &m.migration_count);
  Overlay(over.topology, &m.topology);
  Overlay(over.save_every, &m.save_every);
  Overlay(over.max_evaluations, &m.max_evaluations);
  Overlay(over.final_weights, &m.final_weights);
  return m;
}

StatusOr<GaSettings> ResolveGaSpec(const GaSpec& spec, int objectives, const FileLocation& fallback,
                                   std::string_view context) {
  GaSettings ga;
  // The algorithm follows the objectives unless stated: the paper's _d configs run NSGA-II.
  ga.algorithm = objectives == 2 ? Algorithm::kNsga2 : Algorithm::kGa;
  Take(spec.algorithm, &ga.algorithm);
  Take(spec.population, &ga.population);
  Take(spec.batch_size, &ga.batch_size);
  Take(spec.generations, &ga.generations);
  Take(spec.faithful, &ga.faithful);
  Take(spec.eliminate_duplicates, &ga.eliminate_duplicates);
  Take(spec.sbx_prob, &ga.operators.sbx.prob);
  Take(spec.sbx_eta, &ga.operators.sbx.eta);
  Take(spec.pm_prob, &ga.operators.pm.prob);
  Take(spec.pm_eta, &ga.operators.pm.eta);
  Take(spec.hux_prob, &ga.operators.hux_prob);
  Take(spec.bitflip_prob, &ga.operators.bitflip_prob);
  if (spec.uniform_prob) ga.operators.uniform_prob = spec.uniform_prob->value;
  if (spec.reset_prob) ga.operators.reset_prob = spec.reset_prob->value;
  Take(spec.islands, &ga.islands);
  Take(spec.migration_interval, &ga.migration.interval);
  Take(spec.migration_count, &ga.migration.count);
  Take(spec.topology, &ga.migration.topology);
  Take(spec.save_every, &ga.save_every);
  Take(spec.max_evaluations, &ga.max_evaluations);
  Take(spec.final_weights, &ga.final_weights);

  const auto at = [&](const auto& field) { return field ? field->where : fallback; };
  const auto fail = [&](const auto& field, const std::string& message) {
    return ErrorAt(at(field), context.empty() ? message : message + " " + std::string(context));
  };

  const std::string algorithm(AlgorithmName(ga.algorithm));
  if (ga.algorithm == Algorithm::kGa && objectives == 2) {
    return fail(spec.algorithm,
                "algorithm ga optimises one objective, but the discriminator makes two: use nsga2 "
                "(or random)");
  }
  switch (ga.algorithm) {
    case Algorithm::kGa:
      // Binary tournaments pick mating pairs; pymoo 0.4 makes two children per pair.
      if (ga.population < 2 || ga.population % 2 != 0) {
        return fail(spec.population,
                    fmt::format("population {} is too small or odd: ga mates pairs chosen by "
                                "binary tournament and needs an even population >= 2",
                                ga.population));
      }
      break;
    case Algorithm::kNsga2:
      // Rank/crowding tournaments compare 2 x 2 candidates for each pair of parents.
      if (ga.population < 4 || ga.population % 2 != 0) {
        return fail(spec.population,
                    fmt::format("population {} is too small or odd: nsga2 needs an even "
                                "population >= 4",
                                ga.population));
      }
      break;
    case Algorithm::kRandomSearch:
      if (ga.population < 1) {
        return fail(spec.population,
                    fmt::format("population {} must be >= 1 for random search", ga.population));
      }
      break;
  }
  if (ga.batch_size < 1) {
    return fail(spec.batch_size, fmt::format("batch_size {} must be >= 1", ga.batch_size));
  }
  if (ga.generations < 1) {
    return fail(spec.generations, fmt::format("generations {} must be >= 1", ga.generations));
  }
  const auto check_prob = [&](const auto& field, double value, std::string_view name) {
    if (value >= 0 && value <= 1) return Status::Ok();
    return fail(field, fmt::format("{} {} must be a probability in [0, 1]", name, value));
  };
  const auto check_eta = [&](const auto& field, double value, std::string_view name) {
    if (value >= 0) return Status::Ok();
    return fail(field, fmt::format("{} {} must be >= 0", name, value));
  };
  CG_RETURN_IF_ERROR(check_prob(spec.sbx_prob, ga.operators.sbx.prob, "operators.sbx.prob"));
  CG_RETURN_IF_ERROR(check_eta(spec.sbx_eta, ga.operators.sbx.eta, "operators.sbx.eta"));
  CG_RETURN_IF_ERROR(check_prob(spec.pm_prob, ga.operators.pm.prob, "operators.pm.prob"));
  CG_RETURN_IF_ERROR(check_eta(spec.pm_eta, ga.operators.pm.eta, "operators.pm.eta"));
  CG_RETURN_IF_ERROR(check_prob(spec.hux_prob, ga.operators.hux_prob, "operators.hux.prob"));
  CG_RETURN_IF_ERROR(
      check_prob(spec.bitflip_prob, ga.operators.bitflip_prob, "operators.bitflip.prob"));
  if (spec.uniform_prob) {
    CG_RETURN_IF_ERROR(
        check_prob(spec.uniform_prob, spec.uniform_prob->value, "operators.uniform.prob"));
  }
  if (spec.reset_prob) {
    CG_RETURN_IF_ERROR(check_prob(spec.reset_prob, spec.reset_prob->value, "operators.reset.prob"));
  }
  if (ga.islands < 1) {
    return fail(spec.islands, fmt::format("islands {} must be >= 1", ga.islands));
  }
  if (ga.migration.interval < 1) {
    return fail(spec.migration_interval,
                fmt::format("migration.interval {} must be >= 1", ga.migration.interval));
  }
  if (ga.migration.count < 0 || ga.migration.count >= ga.population) {
    return fail(spec.migration_count,
                fmt::format("migration.count {} must be in [0, population) = [0, {})",
                            ga.migration.count, ga.population));
  }
  if (ga.save_every < 0) {
    return fail(spec.save_every,
                fmt::format("save_every {} must be >= 0 (0 = only at the end)", ga.save_every));
  }
  if (ga.max_evaluations < 0) {
    return fail(spec.max_evaluations,
                fmt::format("max_evaluations {} must be >= 0 (0 = no budget)", ga.max_evaluations));
  }
  if (ga.max_evaluations > 0 && ga.max_evaluations < ga.population * ga.islands) {
    return fail(spec.max_evaluations,
                fmt::format("max_evaluations {} cannot evaluate even the initial populations "
                            "(population {} x islands {})",
                            ga.max_evaluations, ga.population, ga.islands));
  }
  if (spec.final_weights) {
    const std::vector<double>& w = ga.final_weights;
    if (objectives != 2) {
      return fail(spec.final_weights,
                  "final_weights picks on a two-objective Pareto front, but this run has one "
                  "objective (no discriminator)");
    }
    if (w.size() != 2 || w[0] < 0 || w[1] < 0 || w[0] + w[1] <= 0) {
      return fail(spec.final_weights,
                  fmt::format("final_weights must be two weights >= 0 (similarity, "
                              "discriminator loss), not both 0, got [{}]",
                              fmt::join(w, ", ")));
    }
  }
  return ga;
}

}  // namespace clipglass::grid::internal
