// A 128-bit digest of a genome's bytes, the key of a run's evaluation cache. Genomes of the real
// generators are kilobytes (StyleGAN2: 18 x 512 doubles); keying the cache by the bytes cost a copy
// and a full hash per lookup, and memory for every genome a run ever evaluated. Two genomes get the
// same digest only if their bytes are equal, up to a 2^-128-per-pair chance (the inputs are not
// adversarial: the GA makes them), so "never evaluate one genome twice" keeps its meaning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace clipglass::coordinator {

struct GenomeDigest {
  uint64_t high = 0;
  uint64_t low = 0;
  bool operator==(const GenomeDigest&) const = default;
};

namespace genome_digest_internal {
// The splitmix64 finaliser: every input bit affects every output bit.
inline uint64_t Avalanche(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}
}  // namespace genome_digest_internal

// Two independently seeded lanes over the genes' bit patterns (so 0.0 and -0.0 differ, as their
// bytes do), each word avalanched into the running state.
inline GenomeDigest DigestGenome(const std::vector<double>& genes) {
  using genome_digest_internal::Avalanche;
  uint64_t a = 0x9E3779B97F4A7C15ull ^ genes.size();
  uint64_t b = 0xC2B2AE3D27D4EB4Full + genes.size();
  for (double gene : genes) {
    uint64_t word = 0;
    std::memcpy(&word, &gene, sizeof(word));
    a = Avalanche(a ^ word) + 0x632BE59BD9B4E019ull;
    b = Avalanche(b + word * 0xFF51AFD7ED558CCDull) ^ (b >> 17);
  }
  return {Avalanche(a), Avalanche(b ^ a)};
}

struct GenomeDigestHash {
  size_t operator()(const GenomeDigest& digest) const { return digest.low; }
};

}  // namespace clipglass::coordinator
