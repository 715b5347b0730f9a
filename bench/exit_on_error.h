// How the benchmark programs stop on an error: one line "<program>: error: <message>" on stderr and
// exit code 1 (they are plain programs, not CLI11 callbacks, so cli/cli_util.h's Fail does not
// fit).
#pragma once

#include <errno.h>  // program_invocation_short_name (GNU)

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "common/status.h"

namespace clipglass::bench {

[[noreturn]] inline void Die(const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\n", program_invocation_short_name, message.c_str());
  std::exit(1);
}

// Die with the status's message unless it is OK.
inline void Check(const Status& status) {
  if (!status.ok()) Die(status.message());
}

// The value, or Die with the whole status (code and message).
template <typename T>
T Take(StatusOr<T> value) {
  if (!value.ok()) Die(value.status().ToString());
  return std::move(value).value();
}

}  // namespace clipglass::bench
