// The machine's fp32 matrix-multiply peak as the CPU benchmarks measure it: the best of `reps`
// timed at::mm products of 2048 x 2048 matrices after one untimed warm-up, in GFLOP/s. Each
// benchmark prints its figures as a fraction of this number measured in the same run.
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace clipglass::bench {

inline double MeasureMatmulPeakGflops(int reps) {
  const int64_t n = 2048;
  const at::Tensor a = at::randn({n, n});
  const at::Tensor b = at::randn({n, n});
  at::Tensor c = at::empty({n, n});
  at::mm_out(c, a, b);  // warm-up
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return 2.0 * n * n * n / best / 1e9;
}

}  // namespace clipglass::bench
