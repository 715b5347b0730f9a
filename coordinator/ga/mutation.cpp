#include "coordinator/ga/mutation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "coordinator/ga/crossover.h"
#include "coordinator/ga/det_math.h"

namespace clipglass::ga {

const char* MutationKindName(MutationKind kind) {
  switch (kind) {
    case MutationKind::kNone:
      return "none";
    case MutationKind::kPolynomial:
      return "polynomial";
    case MutationKind::kBitFlip:
      return "bitflip";
    case MutationKind::kRandomReset:
      return "reset";
  }
  return "unknown";
}

Status ValidateMutation(const MutationConfig& c, const Segment& segment, const std::string& where) {
  const bool boolean = segment.kind == GeneKind::kBool;
  if (c.kind == MutationKind::kPolynomial && boolean) {
    return InvalidArgumentError(
        where + ": mutation 'polynomial' needs a real or integer segment, this one is bool");
  }
  if (c.kind == MutationKind::kBitFlip && !boolean) {
    return InvalidArgumentError(
        fmt::format("{}: mutation 'bitflip' needs a bool segment, this one is {}", where,
                    GeneKindName(segment.kind)));
  }
  if (c.kind == MutationKind::kRandomReset && segment.kind != GeneKind::kInteger) {
    return InvalidArgumentError(
        fmt::format("{}: mutation 'reset' needs an integer segment, this one is {}", where,
                    GeneKindName(segment.kind)));
  }
  if (c.prob > 1.0 || std::isnan(c.prob)) {
    return InvalidArgumentError(fmt::format(
        "{}: mutation prob must be in [0, 1] (negative = 1/size), got {}", where, c.prob));
  }
  if (c.kind == MutationKind::kPolynomial && (!(c.eta >= 0.0) || !std::isfinite(c.eta))) {
    return InvalidArgumentError(
        fmt::format("{}: polynomial mutation eta must be >= 0, got {}", where, c.eta));
  }
  return Status::Ok();
}

double EffectiveMutationProb(const MutationConfig& c, int size) {
  return c.prob < 0.0 ? 1.0 / size : c.prob;
}

void PolynomialMutationReal(double eta, double prob, double xl, double xu, Rng& rng,
                            std::span<double> x) {
  const double mut_pow = 1.0 / (eta + 1.0);
  const double range = xu - xl;
  for (double& v : x) {
    if (!(rng.Uniform() < prob)) continue;
    const double u = rng.Uniform();
    double deltaq;
    if (u <= 0.5) {
      const double xy = 1.0 - (v - xl) / range;
      const double val = 2.0 * u + (1.0 - 2.0 * u) * DetPow(xy, eta + 1.0);
      deltaq = DetPow(val, mut_pow) - 1.0;
    } else {
      const double xy = 1.0 - (xu - v) / range;
      const double val = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * DetPow(xy, eta + 1.0);
      deltaq = 1.0 - DetPow(val, mut_pow);
    }
    v = std::clamp(v + deltaq * range, xl, xu);
  }
}

void MutateSegment(const MutationConfig& c, const Segment& s, Rng& rng, std::span<double> x) {
  const double prob = EffectiveMutationProb(c, s.size);
  switch (c.kind) {
    case MutationKind::kNone:
      return;
    case MutationKind::kPolynomial:
      if (s.kind == GeneKind::kInteger) {
        const double w = kIntegerBoundWidening;
        PolynomialMutationReal(c.eta, prob, s.lower - w, s.upper + w, rng, x);
        for (double& v : x) v = RoundInteger(v, s.lower, s.upper);
      } else {
        PolynomialMutationReal(c.eta, prob, s.lower, s.upper, rng, x);
      }
      return;
    case MutationKind::kBitFlip:
      for (double& v : x) {
        if (rng.Uniform() < prob) v = 1.0 - v;
      }
      return;
    case MutationKind::kRandomReset: {
      const auto lower = static_cast<int64_t>(s.lower);
      const auto upper = static_cast<int64_t>(s.upper);
      for (double& v : x) {
        if (rng.Uniform() < prob) v = static_cast<double>(rng.UniformInt(lower, upper));
      }
      return;
    }
  }
}

}  // namespace clipglass::ga
