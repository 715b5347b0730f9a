// Duplicate elimination: pymoo's eliminate_duplicates=True (DefaultDuplicateElimination), where a
// genome is a duplicate when its Euclidean distance to another is below epsilon (1e-16).
//
// Ref: pymoo 0.4.2 DefaultDuplicateElimination (cdist(X, X) < epsilon). We compare row pairs with
// an early exit as soon as the running squared distance reaches epsilon^2, which gives pymoo's
// answer at a fraction of the cost (the first gene almost always differs).
#pragma once

#include <span>
#include <vector>

namespace clipglass::ga {

// True when the Euclidean distance between a and b is below epsilon.
bool IsNearDuplicate(std::span<const double> a, std::span<const double> b, double epsilon);

// Indices (ascending) of the rows of `candidates` ([n, num_genes]) to keep: pymoo's order of tests,
// first against earlier candidates, then against every row of each of `others`.
std::vector<int> NonDuplicateRows(std::span<const double> candidates, int num_genes,
                                  std::span<const std::span<const double>> others, double epsilon);

}  // namespace clipglass::ga
