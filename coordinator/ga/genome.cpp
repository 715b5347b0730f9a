#include "coordinator/ga/genome.h"

#include <fmt/format.h>

#include <cmath>

namespace clipglass::ga {

const char* GeneKindName(GeneKind kind) {
  switch (kind) {
    case GeneKind::kReal:
      return "real";
    case GeneKind::kInteger:
      return "integer";
    case GeneKind::kBool:
      return "bool";
  }
  return "unknown";
}

int GenomeSpace::num_genes() const {
  int n = 0;
  for (const Segment& s : segments) n += s.size;
  return n;
}

int GenomeSpace::offset(int s) const {
  int n = 0;
  for (int i = 0; i < s; ++i) n += segments[i].size;
  return n;
}

GenomeSpace GenomeSpace::Real(int size, double lower, double upper, std::string name) {
  GenomeSpace space;
  space.segments.push_back(Segment{std::move(name), GeneKind::kReal, size, lower, upper});
  return space;
}

Status ValidateGenomeSpace(const GenomeSpace& space) {
  if (space.segments.empty()) return InvalidArgumentError("genome: no segments");
  for (size_t i = 0; i < space.segments.size(); ++i) {
    const Segment& s = space.segments[i];
    const std::string where = fmt::format("genome segment {} '{}'", i, s.name);
    if (s.size <= 0) {
      return InvalidArgumentError(fmt::format("{}: size must be positive, got {}", where, s.size));
    }
    if (s.kind == GeneKind::kBool) continue;
    if (!std::isfinite(s.lower) || !std::isfinite(s.upper)) {
      return InvalidArgumentError(where + ": bounds must be finite");
    }
    if (s.kind == GeneKind::kReal && !(s.lower < s.upper)) {
      return InvalidArgumentError(
          fmt::format("{}: lower bound {} must be below upper bound {}", where, s.lower, s.upper));
    }
    if (s.kind == GeneKind::kInteger) {
      if (s.lower != std::floor(s.lower) || s.upper != std::floor(s.upper)) {
        return InvalidArgumentError(where + ": integer bounds must be whole numbers");
      }
      if (!(s.lower <= s.upper)) {
        return InvalidArgumentError(
            fmt::format("{}: lower bound {} is above upper bound {}", where, s.lower, s.upper));
      }
    }
  }
  return Status::Ok();
}

Status CheckGenome(const GenomeSpace& space, std::span<const double> x) {
  if (static_cast<int>(x.size()) != space.num_genes()) {
    return InvalidArgumentError(
        fmt::format("genome has {} genes, the space has {}", x.size(), space.num_genes()));
  }
  int g = 0;
  for (const Segment& s : space.segments) {
    for (int j = 0; j < s.size; ++j, ++g) {
      const double v = x[g];
      bool ok = true;
      switch (s.kind) {
        case GeneKind::kReal:
          ok = v >= s.lower && v <= s.upper;
          break;
        case GeneKind::kInteger:
          ok = v >= s.lower && v <= s.upper && v == std::floor(v);
          break;
        case GeneKind::kBool:
          ok = v == 0.0 || v == 1.0;
          break;
      }
      if (!ok) {
        return InvalidArgumentError(
            fmt::format("gene {} ({} segment '{}', index {}) = {} is invalid", g,
                        GeneKindName(s.kind), s.name, j, v));
      }
    }
  }
  return Status::Ok();
}

}  // namespace clipglass::ga
