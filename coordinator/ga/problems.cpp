#include "coordinator/ga/problems.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "coordinator/ga/hypervolume.h"

namespace clipglass::ga {
namespace {

struct Entry {
  const char* name;
  ProblemKind kind;
  int default_variables;
  double lower, upper;
  int objectives;
};

constexpr Entry kProblems[] = {
    {"zdt1", ProblemKind::kZdt1, 30, 0.0, 1.0, 2},
    {"zdt2", ProblemKind::kZdt2, 30, 0.0, 1.0, 2},
    {"zdt3", ProblemKind::kZdt3, 30, 0.0, 1.0, 2},
    {"sphere", ProblemKind::kSphere, 10, -5.12, 5.12, 1},
    {"rastrigin", ProblemKind::kRastrigin, 10, -5.12, 5.12, 1},
};

double ZdtSecond(ProblemKind kind, double f1, double g) {
  const double r = f1 / g;
  switch (kind) {
    case ProblemKind::kZdt1:
      return g * (1.0 - std::sqrt(r));
    case ProblemKind::kZdt2:
      return g * (1.0 - r * r);
    default:
      return g * (1.0 - std::sqrt(r) - r * std::sin(10.0 * std::numbers::pi * f1));
  }
}

}  // namespace

void Problem::Evaluate(std::span<const double> x, std::span<double> f) const {
  const size_t n = x.size();
  switch (kind) {
    case ProblemKind::kZdt1:
    case ProblemKind::kZdt2:
    case ProblemKind::kZdt3: {
      double sum = 0.0;
      for (size_t i = 1; i < n; ++i) sum += x[i];
      const double g = 1.0 + 9.0 * sum / static_cast<double>(n - 1);
      f[0] = x[0];
      f[1] = ZdtSecond(kind, x[0], g);
      return;
    }
    case ProblemKind::kSphere: {
      double sum = 0.0;
      for (double v : x) sum += v * v;
      f[0] = sum;
      return;
    }
    case ProblemKind::kRastrigin: {
      double sum = 10.0 * static_cast<double>(n);
      for (double v : x) sum += v * v - 10.0 * std::cos(2.0 * std::numbers::pi * v);
      f[0] = sum;
      return;
    }
  }
}

std::vector<double> Problem::Evaluate(std::span<const double> x) const {
  std::vector<double> f(num_objectives);
  Evaluate(x, f);
  return f;
}

StatusOr<Problem> MakeProblem(std::string_view name, int num_variables) {
  for (const Entry& e : kProblems) {
    if (name != e.name) continue;
    const int n = num_variables > 0 ? num_variables : e.default_variables;
    if (e.objectives == 2 && n < 2) {
      return InvalidArgumentError(fmt::format("problem {}: needs at least 2 variables", name));
    }
    Problem p;
    p.kind = e.kind;
    p.name = e.name;
    p.space = GenomeSpace::Real(n, e.lower, e.upper);
    p.num_objectives = e.objectives;
    return p;
  }
  return InvalidArgumentError(
      fmt::format("unknown problem '{}' (known: zdt1, zdt2, zdt3, sphere, rastrigin)", name));
}

std::vector<std::string> ProblemNames() {
  std::vector<std::string> names;
  for (const Entry& e : kProblems) names.emplace_back(e.name);
  return names;
}

double TrueFrontHypervolume(ProblemKind kind) {
  if (kind != ProblemKind::kZdt1 && kind != ProblemKind::kZdt2 && kind != ProblemKind::kZdt3) {
    return 0.0;
  }
  // The front is g = 1, f1 in [0, 1]; ZDT3's is the non-dominated part of that curve.
  constexpr int kSamples = 20001;
  std::vector<double> f;
  f.reserve(2 * kSamples);
  for (int i = 0; i < kSamples; ++i) {
    const double f1 = static_cast<double>(i) / (kSamples - 1);
    f.push_back(f1);
    f.push_back(ZdtSecond(kind, f1, 1.0));
  }
  return Hypervolume2D(f, {1.0, 1.0});
}

}  // namespace clipglass::ga
