// Whole-file reads and crash-safe writes.
#pragma once

#include <string>

#include "common/status.h"

namespace clipglass {

// The file's bytes, or NotFound/DataLoss naming the path.
StatusOr<std::string> ReadFileToString(const std::string& path);

// Writes to `path.tmp-<pid>`, flushes, then renames over `path`: readers see the old file or the
// new one, never a half-written one.
Status WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace clipglass
