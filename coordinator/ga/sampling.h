// Initial-population samplers, one per genome segment.
//
// Ref: CLIP-GLaSS operators.py (TruncatedNormalRandomSampling = scipy truncnorm(-2, 2),
// NormalRandomSampling = N(0, 1), BinaryRandomSampling(prob)); pymoo 0.4.2 IntegerRandomSampling
// (uniform on [xl, xu] inclusive) and FloatRandomSampling.
#pragma once

#include <span>

#include "common/status.h"
#include "coordinator/ga/genome.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga {

enum class SamplerKind {
  kUniform,          // real: U[lower, upper]; integer: uniform on lower..upper; bool: fair coin
  kNormal,           // real only: N(mean, stddev^2), clipped to the segment bounds
  kTruncatedNormal,  // real only: N(mean, stddev^2) conditioned on [low, high], then clipped
  kBernoulli,        // bool only: 1 with probability p
};

const char* SamplerKindName(SamplerKind kind);

struct SamplerConfig {
  SamplerKind kind = SamplerKind::kUniform;
  double mean = 0.0;    // kNormal, kTruncatedNormal
  double stddev = 1.0;  // kNormal, kTruncatedNormal
  double low = -2.0;    // kTruncatedNormal interval, in gene units
  double high = 2.0;
  double p = 0.5;  // kBernoulli
};

// Names the field at fault; `where` prefixes the message.
Status ValidateSampler(const SamplerConfig& config, const Segment& segment,
                       const std::string& where);

// Fills `out` (segment.size genes) with one individual's sample of this segment.
void SampleSegment(const SamplerConfig& config, const Segment& segment, Rng& rng,
                   std::span<double> out);

}  // namespace clipglass::ga
