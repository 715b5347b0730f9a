// Reading a whole gzip file (the CLIP merges ship gzipped).
#pragma once

#include <string>

#include "common/status.h"

namespace clipglass::tokenizers {

// The decompressed bytes of every gzip member in `path`. NotFound when it cannot be read,
// DataLoss naming the path when it is not gzip or is truncated.
StatusOr<std::string> ReadGzipFile(const std::string& path);

}  // namespace clipglass::tokenizers
