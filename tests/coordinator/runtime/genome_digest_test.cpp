#include "coordinator/runtime/genome_digest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

namespace clipglass::coordinator {
namespace {

TEST(GenomeDigestTest, EqualGenomesGiveEqualDigests) {
  const std::vector<double> genes = {0.25, -1.5, 3.0, 1e-300};
  EXPECT_EQ(DigestGenome(genes), DigestGenome(std::vector<double>(genes)));
}

TEST(GenomeDigestTest, EverySingleBitFlipChangesTheDigest) {
  const std::vector<double> genes = {0.25, -1.5, 3.0, 0.0, 7.0};
  const GenomeDigest original = DigestGenome(genes);
  std::set<std::pair<uint64_t, uint64_t>> seen = {{original.high, original.low}};
  for (size_t i = 0; i < genes.size(); ++i) {
    for (int bit = 0; bit < 64; ++bit) {
      std::vector<double> flipped = genes;
      uint64_t word = 0;
      std::memcpy(&word, &flipped[i], sizeof(word));
      word ^= uint64_t{1} << bit;
      std::memcpy(&flipped[i], &word, sizeof(word));
      const GenomeDigest digest = DigestGenome(flipped);
      EXPECT_TRUE(seen.insert({digest.high, digest.low}).second) << "gene " << i << " bit " << bit;
    }
  }
}

TEST(GenomeDigestTest, OrderLengthAndSignedZeroMatter) {
  EXPECT_FALSE(DigestGenome({1.0, 2.0}) == DigestGenome({2.0, 1.0}));
  EXPECT_FALSE(DigestGenome({1.0}) == DigestGenome({1.0, 0.0}));
  EXPECT_FALSE(DigestGenome({}) == DigestGenome({0.0}));
  EXPECT_FALSE(DigestGenome({0.0}) == DigestGenome({-0.0}));  // different bytes, as before
}

TEST(GenomeDigestTest, NoCollisionsAmongManyNearbyGenomes) {
  std::set<std::pair<uint64_t, uint64_t>> digests;
  std::set<uint64_t> buckets;
  for (int i = 0; i < 20000; ++i) {
    const std::vector<double> genes = {static_cast<double>(i) * 1e-9, 0.5,
                                       std::ldexp(1.0, -i % 60)};
    const GenomeDigest d = DigestGenome(genes);
    digests.insert({d.high, d.low});
    buckets.insert(GenomeDigestHash{}(d));
  }
  EXPECT_EQ(digests.size(), 20000u);
  EXPECT_EQ(buckets.size(), 20000u);  // the 64-bit hash alone separates them too
}

}  // namespace
}  // namespace clipglass::coordinator
