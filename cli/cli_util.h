// Shared plumbing for subcommands: turning a Status into one stderr line and an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include "common/status.h"

namespace clipglass::cli {

// Prints "clipglass: error: <message>" and makes CLI11 exit with code 1 (2 for bad input).
[[noreturn]] void Fail(const Status& status);

// Fail(status) unless it is OK.
inline void CheckOk(const Status& status) {
  if (!status.ok()) Fail(status);
}

}  // namespace clipglass::cli
