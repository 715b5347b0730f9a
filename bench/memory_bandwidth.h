// The machine's memory read bandwidth as the CPU benchmarks measure it: the best of `reps` timed
// sums (LibTorch's threads, as the models use them) of a 1 GiB float32 tensor, far larger than any
// cache, after one untimed warm-up, in GB/s. A bound for work that must stream its operands from
// memory, such as a decoding step reading every weight for a few rows.
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace clipglass::bench {

inline double MeasureReadBandwidthGbps(int reps) {
  const int64_t count = int64_t{1} << 28;  // 1 GiB of float32
  const at::Tensor data = at::ones({count});
  at::Tensor sum = data.sum();  // warm-up: every page touched
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    at::sum_out(sum, data);
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return static_cast<double>(count) * sizeof(float) / best / 1e9;
}

}  // namespace clipglass::bench
