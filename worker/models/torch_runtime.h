// Process-wide LibTorch CPU settings every model binary needs (see TOOLCHAIN.md, "Run-time
// performance traps"): LibTorch starts with one intra-op thread on these machines, and
// at::set_num_threads does not reach OpenBLAS, which keeps its own thread count.
#pragma once

namespace clipglass::models {

// The number of CPUs this process may run on (sched_getaffinity), at least 1.
int AvailableCpuCount();

// Sets LibTorch's intra-op thread count and OpenBLAS's thread count (openblas_set_num_threads,
// found with dlsym, when OpenBLAS is the loaded BLAS) to `threads`, or to AvailableCpuCount()
// when `threads` <= 0. Returns the count applied. Call it once, early, from the main thread,
// before models run (it is safe to call again; the last call wins).
int ConfigureTorchThreads(int threads = 0);

}  // namespace clipglass::models
