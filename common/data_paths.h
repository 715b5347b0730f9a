// Locating the data files the program ships (vocabularies, small models, configs) at run time.
#pragma once

#include <string>

#include "common/status.h"

namespace clipglass {

// The path of `relative` (e.g. "worker/tokenizers/vocab/encoder.json"), looked up in order:
//   1. $CLIPGLASS_DATA_DIR/relative, when that variable is set and not empty;
//   2. around the running executable: <exe dir>/relative, <exe dir>/../relative (build/clipglass
//      finds the source tree's files) and <exe dir>/../share/clipglass/relative (an install);
//   3. the current directory: ./relative.
// NotFound lists every place it looked. Never a compiled-in absolute path.
StatusOr<std::string> FindDataFile(const std::string& relative);

}  // namespace clipglass
