#include "coordinator/ga/sampling.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace clipglass::ga {

const char* SamplerKindName(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::kUniform:
      return "uniform";
    case SamplerKind::kNormal:
      return "normal";
    case SamplerKind::kTruncatedNormal:
      return "truncated_normal";
    case SamplerKind::kBernoulli:
      return "bernoulli";
  }
  return "unknown";
}

Status ValidateSampler(const SamplerConfig& c, const Segment& segment, const std::string& where) {
  const std::string kind_name = SamplerKindName(c.kind);
  const bool real = segment.kind == GeneKind::kReal;
  const bool boolean = segment.kind == GeneKind::kBool;
  if ((c.kind == SamplerKind::kNormal || c.kind == SamplerKind::kTruncatedNormal) && !real) {
    return InvalidArgumentError(fmt::format("{}: sampler '{}' needs a real segment, this one is {}",
                                            where, kind_name, GeneKindName(segment.kind)));
  }
  if (c.kind == SamplerKind::kBernoulli && !boolean) {
    return InvalidArgumentError(
        fmt::format("{}: sampler 'bernoulli' needs a bool segment, this one is {}", where,
                    GeneKindName(segment.kind)));
  }
  if (c.kind == SamplerKind::kNormal || c.kind == SamplerKind::kTruncatedNormal) {
    if (!std::isfinite(c.mean) || !(c.stddev > 0.0) || !std::isfinite(c.stddev)) {
      return InvalidArgumentError(
          fmt::format("{}: sampler needs a finite mean and a positive stddev", where));
    }
  }
  if (c.kind == SamplerKind::kTruncatedNormal) {
    if (!(c.low < c.high)) {
      return InvalidArgumentError(
          fmt::format("{}: truncated normal interval [{}, {}] is empty", where, c.low, c.high));
    }
    // Rejection sampling needs the interval to hold a reasonable share of the normal's mass.
    const double a = (c.low - c.mean) / c.stddev;
    const double b = (c.high - c.mean) / c.stddev;
    const double mass = 0.5 * (std::erfc(-b / std::sqrt(2.0)) - std::erfc(-a / std::sqrt(2.0)));
    if (!(mass >= 1e-3)) {
      return InvalidArgumentError(fmt::format(
          "{}: truncated normal interval [{}, {}] holds only {:.2g} of the mass (need >= 1e-3)",
          where, c.low, c.high, mass));
    }
  }
  if (c.kind == SamplerKind::kBernoulli && !(c.p >= 0.0 && c.p <= 1.0)) {
    return InvalidArgumentError(
        fmt::format("{}: bernoulli p must be in [0, 1], got {}", where, c.p));
  }
  return Status::Ok();
}

void SampleSegment(const SamplerConfig& c, const Segment& s, Rng& rng, std::span<double> out) {
  const auto clip = [&](double v) { return std::clamp(v, s.lower, s.upper); };
  switch (c.kind) {
    case SamplerKind::kUniform:
      for (double& v : out) {
        if (s.kind == GeneKind::kReal) {
          v = clip(s.lower + (s.upper - s.lower) * rng.Uniform());
        } else if (s.kind == GeneKind::kInteger) {
          v = static_cast<double>(
              rng.UniformInt(static_cast<int64_t>(s.lower), static_cast<int64_t>(s.upper)));
        } else {
          v = rng.Bernoulli(0.5) ? 1.0 : 0.0;
        }
      }
      return;
    case SamplerKind::kNormal:
      for (double& v : out) v = clip(c.mean + c.stddev * rng.Normal());
      return;
    case SamplerKind::kTruncatedNormal: {
      const double a = (c.low - c.mean) / c.stddev;
      const double b = (c.high - c.mean) / c.stddev;
      for (double& v : out) v = clip(c.mean + c.stddev * rng.TruncatedNormal(a, b));
      return;
    }
    case SamplerKind::kBernoulli:
      for (double& v : out) v = rng.Bernoulli(c.p) ? 1.0 : 0.0;
      return;
  }
}

}  // namespace clipglass::ga
