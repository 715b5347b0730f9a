// What a genome is: a flat vector of doubles split into typed segments (real, integer, boolean),
// each with bounds. Integers and booleans are stored exactly as doubles (0.0/1.0 for booleans), so
// one representation serves every operator; the runtime packs segments for the wire.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace clipglass::ga {

enum class GeneKind { kReal, kInteger, kBool };

const char* GeneKindName(GeneKind kind);

struct Segment {
  std::string name;  // for messages and the archive, e.g. "z" or "class"
  GeneKind kind = GeneKind::kReal;
  int size = 0;  // number of genes
  // Inclusive bounds. Integers: whole numbers. Booleans: ignored (always {0, 1}).
  double lower = 0.0;
  double upper = 1.0;
};

// The segments in genome order. BigGAN: {real "z" x128 in [-2,2], bool "class" x1000}.
struct GenomeSpace {
  std::vector<Segment> segments;

  int num_genes() const;
  // Index of the first gene of segment `s`.
  int offset(int s) const;

  // One real segment: the common case (ZDT, StyleGAN2).
  static GenomeSpace Real(int size, double lower, double upper, std::string name = "x");
};

// Checks sizes and bounds; the message names the segment at fault.
Status ValidateGenomeSpace(const GenomeSpace& space);

// OK when x has the right length and every gene is in bounds, integers are whole and booleans are
// 0 or 1; otherwise names the first offending gene.
Status CheckGenome(const GenomeSpace& space, std::span<const double> x);

}  // namespace clipglass::ga
