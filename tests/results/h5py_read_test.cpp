// The archive is readable by the ecosystem's tools: Debian's h5py reads the documented fields.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "results/archive.h"
#include "tests/results/test_sweep.h"

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

// Debian's interpreter: the `python3` on PATH may be another one without h5py.
constexpr char kPython[] = "/usr/bin/python3";

// Runs `command`, returning its exit code and stdout+stderr.
int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output->append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(H5pyReadTest, DocumentedFieldsReadBackInPython) {
  std::string probe;
  if (!fs::exists(kPython) ||
      RunCommand(std::string(kPython) + " -c 'import h5py, numpy'", &probe) != 0) {
    GTEST_SKIP() << kPython << " cannot import h5py (apt-get install python3-h5py): " << probe;
  }
  const fs::path path =
      fs::temp_directory_path() / ("clipglass_h5py_test_" + std::to_string(::getpid()) + ".h5");
  ASSERT_TRUE(WriteArchive(path.string(), testing::MakeTestSweep()).ok());
  std::string output;
  const int code = RunCommand(std::string(kPython) + " " + CLIPGLASS_SOURCE_DIR +
                                  "/tests/results/check_archive_h5py.py '" + path.string() +
                                  "' 0000-StyleGAN2_ffhq_d-s0",
                              &output);
  fs::remove(path);
  EXPECT_EQ(code, 0) << output;
  EXPECT_EQ(output, "ok\n");
}

}  // namespace
}  // namespace clipglass::results
