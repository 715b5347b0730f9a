// The GA's only source of randomness: xoshiro256** seeded through SplitMix64, with our own
// distributions, so the same seed gives the same draws on every machine and library version
// (std::normal_distribution and friends differ between standard libraries).
//
// Ref: Blackman & Vigna, "Scrambled linear pseudorandom number generators" (2021), xoshiro256**;
// Steele et al. 2014 (SplitMix64); Marsaglia & Bray 1964 (polar normal method).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/status.h"

namespace clipglass::ga {

// The full state of an Rng as plain data (for checkpoints). Never all zero.
struct RngState {
  std::array<uint64_t, 4> words{};
  bool operator==(const RngState&) const = default;
};

// SplitMix64's output function: a strong 64-bit mixer (bijective).
uint64_t Mix64(uint64_t x);

// A child seed for stream `index` under `tag` of `parent`. Stable forever: archives and resumed
// runs depend on it.
uint64_t DeriveSeed(uint64_t parent, uint64_t tag, uint64_t index);

// The seed of run `run_index` of a sweep whose base seed is `base_seed`.
uint64_t RunSeed(uint64_t base_seed, uint64_t run_index);

// The seed of island `island` of a run. Island 0 uses the run seed itself, so a one-island run is
// exactly the plain algorithm seeded with the run seed.
uint64_t IslandSeed(uint64_t run_seed, uint64_t island);

// The seed of the random migration topology at generation `generation` of a run.
uint64_t TopologySeed(uint64_t run_seed, uint64_t generation);

// Not thread-safe; one per island.
class Rng {
 public:
  explicit Rng(uint64_t seed);

  // REQUIRES: state is not all zero (checked: returns InvalidArgument).
  static StatusOr<Rng> FromState(const RngState& state);
  RngState state() const { return state_; }

  uint64_t NextU64();

  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in [0, n); REQUIRES: n > 0. Bitmask rejection: no modulo bias.
  uint64_t UniformIndex(uint64_t n);
  // Uniform integer in [lo, hi] inclusive; REQUIRES: lo <= hi.
  int64_t UniformInt(int64_t lo, int64_t hi);
  // True with probability p (Uniform() < p).
  bool Bernoulli(double p);
  // Standard normal by Marsaglia's polar method (one value per accepted pair, no cached spare, so
  // the state stays four words).
  double Normal();
  // Standard normal conditioned on [a, b] by rejection; REQUIRES: the interval holds enough mass
  // (config validation asks for at least 1e-3).
  double TruncatedNormal(double a, double b);
  // Fisher-Yates shuffle of 0..n-1 written into *out.
  void Permutation(int n, std::vector<int>* out);

 private:
  Rng() = default;
  RngState state_;
};

}  // namespace clipglass::ga
