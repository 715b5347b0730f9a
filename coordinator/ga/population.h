// A population as plain arrays (structure of arrays): ids, genomes, objectives and the NSGA-II
// attributes. Objectives are stored as MINIMISED values (see GaConfig::directions).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace clipglass::ga {

struct Population {
  int num_genes = 0;
  int num_objectives = 0;
  std::vector<uint64_t> ids;       // unique within an algorithm instance
  std::vector<double> genes;       // [size, num_genes] row-major
  std::vector<double> objectives;  // [size, num_objectives] row-major, minimised
  std::vector<int> rank;           // NSGA-II front (0 = non-dominated); 0 under the GA
  std::vector<double> crowding;    // NSGA-II crowding distance (may be +inf); 0 under the GA

  Population() = default;
  Population(int genes_per_individual, int objectives_per_individual)
      : num_genes(genes_per_individual), num_objectives(objectives_per_individual) {}

  int size() const { return static_cast<int>(ids.size()); }
  std::span<const double> x(int i) const {
    return {genes.data() + static_cast<size_t>(i) * num_genes, static_cast<size_t>(num_genes)};
  }
  std::span<double> x(int i) {
    return {genes.data() + static_cast<size_t>(i) * num_genes, static_cast<size_t>(num_genes)};
  }
  std::span<const double> f(int i) const {
    return {objectives.data() + static_cast<size_t>(i) * num_objectives,
            static_cast<size_t>(num_objectives)};
  }

  void Reserve(int n);
  void Append(uint64_t id, std::span<const double> x, std::span<const double> f, int rank = 0,
              double crowding = 0.0);
  // Appends individual i of `other`.
  void AppendFrom(const Population& other, int i);
  // The individuals at `indices`, in that order.
  Population Select(std::span<const int> indices) const;

  bool operator==(const Population&) const = default;
};

// a's individuals then b's (pymoo's Population.merge).
Population Merge(const Population& a, const Population& b);

}  // namespace clipglass::ga
