// A place in a YAML file. Errors and resolved values point back to what the user wrote.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace clipglass::grid {

struct FileLocation {
  std::string file;  // the path as given to the loader
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown

  // "file:line:column", or just "file" when the line is unknown.
  std::string ToString() const;
};

// InvalidArgument("file:line:column: message"): bad input is always the user's to fix.
Status ErrorAt(const FileLocation& where, std::string_view message);

}  // namespace clipglass::grid
