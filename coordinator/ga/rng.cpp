#include "coordinator/ga/rng.h"

#include <bit>
#include <cmath>
#include <utility>

#include "coordinator/ga/det_math.h"

namespace clipglass::ga {
namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
// Tags keep the seed streams of different purposes apart ("run", "isl", "topo" in ASCII).
constexpr uint64_t kRunTag = 0x72756eULL;
constexpr uint64_t kIslandTag = 0x69736cULL;
constexpr uint64_t kTopologyTag = 0x746f706fULL;

uint64_t SplitMixNext(uint64_t& x) {
  x += kGolden;
  return Mix64(x);
}

}  // namespace

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t DeriveSeed(uint64_t parent, uint64_t tag, uint64_t index) {
  return Mix64(Mix64(parent ^ Mix64(tag)) + kGolden * (index + 1));
}

uint64_t RunSeed(uint64_t base_seed, uint64_t run_index) {
  return DeriveSeed(base_seed, kRunTag, run_index);
}

uint64_t IslandSeed(uint64_t run_seed, uint64_t island) {
  return island == 0 ? run_seed : DeriveSeed(run_seed, kIslandTag, island);
}

uint64_t TopologySeed(uint64_t run_seed, uint64_t generation) {
  return DeriveSeed(run_seed, kTopologyTag, generation);
}

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& w : state_.words) w = SplitMixNext(x);
  // Four consecutive SplitMix64 outputs are never all zero in practice; guard anyway.
  if ((state_.words[0] | state_.words[1] | state_.words[2] | state_.words[3]) == 0) {
    state_.words[0] = kGolden;
  }
}

StatusOr<Rng> Rng::FromState(const RngState& state) {
  if ((state.words[0] | state.words[1] | state.words[2] | state.words[3]) == 0) {
    return InvalidArgumentError("rng state: all four words are zero (not a xoshiro256** state)");
  }
  Rng rng;
  rng.state_ = state;
  return rng;
}

uint64_t Rng::NextU64() {
  auto& s = state_.words;
  const uint64_t result = std::rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = std::rotl(s[3], 45);
  return result;
}

double Rng::Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

uint64_t Rng::UniformIndex(uint64_t n) {
  const uint64_t max = n - 1;
  if (max == 0) return 0;
  const int bits = std::bit_width(max);
  const uint64_t mask = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  while (true) {
    const uint64_t r = NextU64() & mask;
    if (r <= max) return r;
  }
}

int64_t Rng::UniformInt(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == ~uint64_t{0}) return static_cast<int64_t>(NextU64());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + UniformIndex(span + 1));
}

bool Rng::Bernoulli(double p) { return Uniform() < p; }

double Rng::Normal() {
  while (true) {
    const double u = 2.0 * Uniform() - 1.0;
    const double v = 2.0 * Uniform() - 1.0;
    const double s = u * u + v * v;
    if (s >= 1.0 || s == 0.0) continue;
    return u * std::sqrt(-2.0 * DetLog(s) / s);
  }
}

double Rng::TruncatedNormal(double a, double b) {
  while (true) {
    const double z = Normal();
    if (z >= a && z <= b) return z;
  }
}

void Rng::Permutation(int n, std::vector<int>* out) {
  out->resize(n);
  for (int i = 0; i < n; ++i) (*out)[i] = i;
  for (int i = n - 1; i > 0; --i) {
    const int j = static_cast<int>(UniformIndex(static_cast<uint64_t>(i) + 1));
    std::swap((*out)[i], (*out)[j]);
  }
}

}  // namespace clipglass::ga
