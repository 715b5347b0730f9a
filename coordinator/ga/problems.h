// Benchmark problems for the engine and the runtime's machinery tests (objectives minimised).
//
// Ref: Zitzler, Deb & Thiele 2000, "Comparison of multiobjective evolutionary algorithms:
// empirical results" (ZDT1-3, 30 variables in [0, 1]); sphere; Rastrigin 1974 (A = 10, bounds
// [-5.12, 5.12]).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "coordinator/ga/genome.h"

namespace clipglass::ga {

enum class ProblemKind { kZdt1, kZdt2, kZdt3, kSphere, kRastrigin };

struct Problem {
  ProblemKind kind = ProblemKind::kSphere;
  std::string name;
  GenomeSpace space;
  int num_objectives = 1;

  // Writes num_objectives values for genome x into f.
  void Evaluate(std::span<const double> x, std::span<double> f) const;
  std::vector<double> Evaluate(std::span<const double> x) const;
};

// Known names: zdt1, zdt2, zdt3 (30 variables), sphere, rastrigin (10 variables).
// num_variables <= 0 keeps the default.
StatusOr<Problem> MakeProblem(std::string_view name, int num_variables = 0);
std::vector<std::string> ProblemNames();

// Hypervolume of the true Pareto front with reference point (1, 1), from a dense sampling of the
// analytic front (ZDT only; 0 for the others). 2/3, 1/3 and about 1.0444.
double TrueFrontHypervolume(ProblemKind kind);

}  // namespace clipglass::ga
