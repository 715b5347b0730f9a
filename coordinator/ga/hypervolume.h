// Hypervolume of a two-objective point set (minimised) with respect to a reference point: the area
// dominated by the set and bounded by the reference. Points not strictly better than the reference
// in both objectives contribute nothing.
//
// Ref: Zitzler & Thiele 1998 (the S metric); the 2-D sweep over points sorted by f1.
#pragma once

#include <array>
#include <span>

namespace clipglass::ga {

// `f` holds n points as [n, 2] row-major.
double Hypervolume2D(std::span<const double> f, std::array<double, 2> reference);

}  // namespace clipglass::ga
