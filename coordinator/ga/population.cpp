#include "coordinator/ga/population.h"

namespace clipglass::ga {

void Population::Reserve(int n) {
  ids.reserve(n);
  genes.reserve(static_cast<size_t>(n) * num_genes);
  objectives.reserve(static_cast<size_t>(n) * num_objectives);
  rank.reserve(n);
  crowding.reserve(n);
}

void Population::Append(uint64_t id, std::span<const double> xs, std::span<const double> fs, int r,
                        double c) {
  ids.push_back(id);
  genes.insert(genes.end(), xs.begin(), xs.end());
  objectives.insert(objectives.end(), fs.begin(), fs.end());
  rank.push_back(r);
  crowding.push_back(c);
}

void Population::AppendFrom(const Population& other, int i) {
  Append(other.ids[i], other.x(i), other.f(i), other.rank[i], other.crowding[i]);
}

Population Population::Select(std::span<const int> indices) const {
  Population out(num_genes, num_objectives);
  out.Reserve(static_cast<int>(indices.size()));
  for (int i : indices) out.AppendFrom(*this, i);
  return out;
}

Population Merge(const Population& a, const Population& b) {
  Population out = a;
  out.Reserve(a.size() + b.size());
  for (int i = 0; i < b.size(); ++i) out.AppendFrom(b, i);
  return out;
}

}  // namespace clipglass::ga
