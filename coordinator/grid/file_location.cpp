#include "coordinator/grid/file_location.h"

#include <fmt/format.h>

namespace clipglass::grid {

std::string FileLocation::ToString() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

Status ErrorAt(const FileLocation& where, std::string_view message) {
  return InvalidArgumentError(fmt::format("{}: {}", where.ToString(), message));
}

}  // namespace clipglass::grid
