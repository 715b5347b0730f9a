#include "worker/models/torch_runtime.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <sched.h>

#include <cstdlib>
#include <string>

namespace clipglass::models {

int AvailableCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  return 1;
}

int ConfigureTorchThreads(int threads) {
  const int n = threads > 0 ? threads : AvailableCpuCount();
  at::set_num_threads(n);
  // OpenBLAS, when it is the BLAS behind libblas.so.3, reads OPENBLAS_NUM_THREADS only when it
  // loads, so set it for child processes and call its setter for this one.
  const std::string value = std::to_string(n);
  ::setenv("OPENBLAS_NUM_THREADS", value.c_str(), 1);
  using SetThreads = void (*)(int);
  if (auto* set = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(n);
  }
  return n;
}

}  // namespace clipglass::models
