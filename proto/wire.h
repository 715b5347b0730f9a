// Conversions between plain values and protocol messages that both sides need: genomes packed
// segment by segment (float32 / int32 / bit-packed bools) instead of as repeated scalars.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "proto/clipglass.pb.h"

namespace clipglass::wire {

inline constexpr uint32_t kProtocolVersion = v1::PROTOCOL_VERSION_CURRENT;

enum class GeneKind { kReal, kInteger, kBool };

// One contiguous run of genes of the same kind within a genome.
struct Segment {
  GeneKind kind = GeneKind::kReal;
  int64_t width = 0;
};
using GenomeLayout = std::vector<Segment>;

int64_t GenomeWidth(const GenomeLayout& layout);

// Packs `genomes` (each GenomeWidth(layout) doubles; integer and bool genes hold exact integral
// values) into `out`. REQUIRES: every genome has the layout's width.
void PackLatents(const GenomeLayout& layout, const std::vector<const std::vector<double>*>& genomes,
                 v1::Latents* out);

// One unpacked segment, row-major [count, width]; only the vector of its kind is filled.
struct UnpackedSegment {
  GeneKind kind = GeneKind::kReal;
  int64_t width = 0;
  std::vector<float> reals;
  std::vector<int32_t> integers;
  std::vector<uint8_t> bools;
};

struct UnpackedLatents {
  int64_t count = 0;
  std::vector<UnpackedSegment> segments;
};

// Validates sizes (a malformed message is an InvalidArgument naming the segment) and unpacks.
StatusOr<UnpackedLatents> UnpackLatents(const v1::Latents& latents);

// The genome of individual `row` as doubles, all segments concatenated (for benchmark problems).
std::vector<double> GenomeRow(const UnpackedLatents& latents, int64_t row);

}  // namespace clipglass::wire
