// Mutation operators on one segment of one child, with pymoo 0.4.2 semantics: `prob` is the chance
// PER VARIABLE (polynomial mutation and bit-flip alike); a negative prob means 1 / segment size
// (pymoo's prob=None, where n_var is the segment's size inside a mixed genome). Integer polynomial
// mutation widens the bounds by 0.5 - 1e-16 and rounds half to even, like integer SBX. Random
// reset (not in the original) replaces a gene by a uniform draw over its whole range, every value
// equally likely: for integer segments whose values are categories (token ids).
//
// Ref: Deb & Goyal 1996 (polynomial mutation); pymoo 0.4.2 PolynomialMutation,
// IntegerFromFloatMutation, BinaryBitflipMutation.
#pragma once

#include <span>
#include <string>

#include "common/status.h"
#include "coordinator/ga/genome.h"
#include "coordinator/ga/rng.h"

namespace clipglass::ga {

enum class MutationKind {
  kNone,
  kPolynomial,   // real and integer segments
  kBitFlip,      // bool segments
  kRandomReset,  // integer segments: a uniform value in [lower, upper] (categorical genes)
};

const char* MutationKindName(MutationKind kind);

struct MutationConfig {
  MutationKind kind = MutationKind::kPolynomial;
  // Polynomial mutation distribution index: larger keeps mutants closer to the original.
  double eta = 20.0;
  // Chance per variable; negative = 1 / segment size.
  double prob = -1.0;
};

Status ValidateMutation(const MutationConfig& config, const Segment& segment,
                        const std::string& where);

// The per-variable probability actually used for a segment of `size` genes.
double EffectiveMutationProb(const MutationConfig& config, int size);

// Mutates one child's segment in place.
void MutateSegment(const MutationConfig& config, const Segment& segment, Rng& rng,
                   std::span<double> x);

// Polynomial mutation with the given (possibly widened) bounds; exposed for the tests.
void PolynomialMutationReal(double eta, double prob, double lower, double upper, Rng& rng,
                            std::span<double> x);

}  // namespace clipglass::ga
