#include "cli/process_setup.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>

namespace clipglass::cli {

void PrepareProcess(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr) {
    ::setenv("GOMP_SPINCOUNT", "3000", 1);
    ::execv("/proc/self/exe", argv);
    // If re-execution fails we simply go on with libgomp's default.
  }
  // glibc returns large tensors to the OS on every free by default; keep them (3.5x on a conv net).
  ::mallopt(M_MMAP_THRESHOLD, 1 << 30);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
  (void)argc;
}

}  // namespace clipglass::cli
