// The archive is readable by the ecosystem's tools: Debian's h5py reads the documented fields.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "results/archive.h"
#include "tests/results/test_sweep.h"
#include "tests/testing/run_command.h"

namespace clipglass::results {
namespace {

namespace fs = std::filesystem;

// Debian's interpreter: the `python3` on PATH may be another one without h5py.
constexpr char kPython[] = "/usr/bin/python3";

TEST(H5pyReadTest, DocumentedFieldsReadBackInPython) {
  if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is missing";
  const test_support::CommandResult probe =
      test_support::RunCommand(std::string(kPython) + " -c 'import h5py, numpy'",
                               /*merge_stderr=*/true);
  if (probe.exit_code != 0) {
    GTEST_SKIP() << kPython << " cannot import h5py (apt-get install python3-h5py): " << probe.out;
  }
  const fs::path path =
      fs::temp_directory_path() / ("clipglass_h5py_test_" + std::to_string(::getpid()) + ".h5");
  ASSERT_TRUE(WriteArchive(path.string(), testing::MakeTestSweep()).ok());
  const test_support::CommandResult check = test_support::RunCommand(
      std::string(kPython) + " " + CLIPGLASS_SOURCE_DIR + "/tests/results/check_archive_h5py.py '" +
          path.string() + "' 0000-StyleGAN2_ffhq_d-s0",
      /*merge_stderr=*/true);
  fs::remove(path);
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(check.out, "ok\n");
}

}  // namespace
}  // namespace clipglass::results
