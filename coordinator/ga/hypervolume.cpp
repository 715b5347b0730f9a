#include "coordinator/ga/hypervolume.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace clipglass::ga {

double Hypervolume2D(std::span<const double> f, std::array<double, 2> ref) {
  std::vector<std::pair<double, double>> pts;
  for (size_t i = 0; i + 1 < f.size(); i += 2) {
    if (f[i] < ref[0] && f[i + 1] < ref[1]) pts.emplace_back(f[i], f[i + 1]);
  }
  std::sort(pts.begin(), pts.end());
  double volume = 0.0;
  double best_f2 = ref[1];
  // Sweep by increasing f1: each point adds the strip between its f2 and the best f2 so far.
  for (const auto& [f1, f2] : pts) {
    if (f2 < best_f2) {
      volume += (ref[0] - f1) * (best_f2 - f2);
      best_f2 = f2;
    }
  }
  return volume;
}

}  // namespace clipglass::ga
