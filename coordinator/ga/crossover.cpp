#include "coordinator/ga/crossover.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "coordinator/ga/det_math.h"

namespace clipglass::ga {
namespace {

// SBX spread factor for a uniform draw u; beta measures the room to the nearest bound.
double SbxBetaQ(double beta, double u, double eta) {
  const double alpha = 2.0 - DetPow(beta, -(eta + 1.0));
  if (u <= 1.0 / alpha) return DetPow(u * alpha, 1.0 / (eta + 1.0));
  return DetPow(1.0 / (2.0 - u * alpha), 1.0 / (eta + 1.0));
}

void Hux(Rng& rng, std::span<double> c0, std::span<double> c1, std::vector<int>* differ) {
  differ->clear();
  for (size_t j = 0; j < c0.size(); ++j) {
    if (c0[j] != c1[j]) differ->push_back(static_cast<int>(j));
  }
  const int k = static_cast<int>(differ->size());
  const int n = (k + 1) / 2;  // ceil(k / 2)
  // A uniformly random n-subset by a partial Fisher-Yates shuffle (pymoo: permutation[:n]).
  for (int i = 0; i < n; ++i) {
    const int j = i + static_cast<int>(rng.UniformIndex(static_cast<uint64_t>(k - i)));
    std::swap((*differ)[i], (*differ)[j]);
    const int g = (*differ)[i];
    std::swap(c0[g], c1[g]);
  }
}

}  // namespace

const char* CrossoverKindName(CrossoverKind kind) {
  switch (kind) {
    case CrossoverKind::kNone:
      return "none";
    case CrossoverKind::kSbx:
      return "sbx";
    case CrossoverKind::kHux:
      return "hux";
    case CrossoverKind::kUniform:
      return "uniform";
  }
  return "unknown";
}

Status ValidateCrossover(const CrossoverConfig& c, const Segment& segment,
                         const std::string& where) {
  const bool boolean = segment.kind == GeneKind::kBool;
  if (c.kind == CrossoverKind::kSbx && boolean) {
    return InvalidArgumentError(
        where + ": crossover 'sbx' needs a real or integer segment, this one is bool");
  }
  if (c.kind == CrossoverKind::kHux && !boolean) {
    return InvalidArgumentError(
        fmt::format("{}: crossover 'hux' needs a bool segment, this one is {}", where,
                    GeneKindName(segment.kind)));
  }
  if (!(c.prob >= 0.0 && c.prob <= 1.0)) {
    return InvalidArgumentError(
        fmt::format("{}: crossover prob must be in [0, 1], got {}", where, c.prob));
  }
  if (c.kind == CrossoverKind::kSbx) {
    if (!(c.eta >= 0.0) || !std::isfinite(c.eta)) {
      return InvalidArgumentError(fmt::format("{}: sbx eta must be >= 0, got {}", where, c.eta));
    }
    if (!(c.prob_per_variable >= 0.0 && c.prob_per_variable <= 1.0)) {
      return InvalidArgumentError(fmt::format("{}: sbx prob_per_variable must be in [0, 1], got {}",
                                              where, c.prob_per_variable));
    }
  }
  return Status::Ok();
}

double RoundInteger(double v, double lower, double upper) {
  return std::clamp(std::nearbyint(v), lower, upper);
}

void SbxReal(double eta, double prob_per_variable, double xl, double xu, Rng& rng,
             std::span<double> c0, std::span<double> c1) {
  for (size_t j = 0; j < c0.size(); ++j) {
    // pymoo: a variable is left out when random > prob_per_variable.
    if (rng.Uniform() > prob_per_variable) continue;
    const double p0 = c0[j];
    const double p1 = c1[j];
    if (std::fabs(p0 - p1) <= 1.0e-14) continue;
    const double y1 = std::min(p0, p1);
    const double y2 = std::max(p0, p1);
    const double delta = std::max(y2 - y1, 1.0e-10);
    // One uniform draw serves both children, as in pymoo 0.4.
    const double u = rng.Uniform();
    const double bq1 = SbxBetaQ(1.0 + 2.0 * (y1 - xl) / delta, u, eta);
    const double bq2 = SbxBetaQ(1.0 + 2.0 * (xu - y2) / delta, u, eta);
    double v1 = 0.5 * ((y1 + y2) - bq1 * delta);
    double v2 = 0.5 * ((y1 + y2) + bq2 * delta);
    if (rng.Uniform() <= 0.5) std::swap(v1, v2);
    c0[j] = std::clamp(v1, xl, xu);
    c1[j] = std::clamp(v2, xl, xu);
  }
}

void CrossSegment(const CrossoverConfig& c, const Segment& s, Rng& rng, std::span<double> c0,
                  std::span<double> c1, std::vector<int>* scratch) {
  switch (c.kind) {
    case CrossoverKind::kNone:
      return;
    case CrossoverKind::kSbx:
      if (s.kind == GeneKind::kInteger) {
        const double w = kIntegerBoundWidening;
        SbxReal(c.eta, c.prob_per_variable, s.lower - w, s.upper + w, rng, c0, c1);
        for (size_t j = 0; j < c0.size(); ++j) {
          c0[j] = RoundInteger(c0[j], s.lower, s.upper);
          c1[j] = RoundInteger(c1[j], s.lower, s.upper);
        }
      } else {
        SbxReal(c.eta, c.prob_per_variable, s.lower, s.upper, rng, c0, c1);
      }
      return;
    case CrossoverKind::kHux:
      Hux(rng, c0, c1, scratch);
      return;
    case CrossoverKind::kUniform:
      for (size_t j = 0; j < c0.size(); ++j) {
        if (rng.Uniform() < 0.5) std::swap(c0[j], c1[j]);
      }
      return;
  }
}

}  // namespace clipglass::ga
