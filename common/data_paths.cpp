#include "common/data_paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace clipglass {
namespace {

namespace fs = std::filesystem;

// The directory of the running executable, or empty when /proc is not readable.
fs::path ExecutableDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path();
}

bool IsRegularFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

StatusOr<std::string> FindDataFile(const std::string& relative) {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("CLIPGLASS_DATA_DIR"); dir != nullptr && *dir != '\0') {
    candidates.push_back(fs::path(dir) / relative);
  }
  if (const fs::path exe_dir = ExecutableDir(); !exe_dir.empty()) {
    candidates.push_back(exe_dir / relative);
    candidates.push_back(exe_dir.parent_path() / relative);
    candidates.push_back(exe_dir.parent_path() / "share" / "clipglass" / relative);
  }
  candidates.push_back(fs::path(".") / relative);

  std::string tried;
  for (const fs::path& candidate : candidates) {
    if (IsRegularFile(candidate)) return candidate.lexically_normal().string();
    if (!tried.empty()) tried += ", ";
    tried += candidate.lexically_normal().string();
  }
  return NotFoundError(relative + ": data file not found (looked in " + tried +
                       "; set CLIPGLASS_DATA_DIR to the directory that holds it)");
}

}  // namespace clipglass
