#include "cli/cli_util.h"

#include <cstdio>

namespace clipglass::cli {

void Fail(const Status& status) {
  std::fprintf(stderr, "clipglass: error: %s\n", status.message().c_str());
  throw CLI::RuntimeError(status.code() == StatusCode::kInvalidArgument ? 2 : 1);
}

}  // namespace clipglass::cli
