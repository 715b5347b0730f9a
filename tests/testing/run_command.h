// Running a shell command or the `clipglass` binary from a test: its exit code, stdout and stderr.
// One helper for every test that drives a program as a user would.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace clipglass::test_support {

struct CommandResult {
  int exit_code = -1;  // -1 when the command could not start or did not exit normally
  std::string out;     // stdout (and stderr with merge_stderr)
  std::string err;     // stderr, unless merged into out
};

// Runs `command` with /bin/sh. Stderr goes through a temporary file into `err`, or with
// `merge_stderr` into `out` in order with stdout.
inline CommandResult RunCommand(const std::string& command, bool merge_stderr = false) {
  static std::atomic<int> calls{0};
  const std::string err_path = ::testing::TempDir() + "clipglass_command_" +
                               std::to_string(::getpid()) + "_" + std::to_string(calls++) + ".err";
  const std::string redirect = merge_stderr ? " 2>&1" : " 2>'" + err_path + "'";
  CommandResult result;
  FILE* pipe = ::popen((command + redirect).c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 65536> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.out.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (!merge_stderr) {
    std::ifstream err(err_path);
    std::stringstream text;
    text << err.rdbuf();
    result.err = text.str();
    std::remove(err_path.c_str());
  }
  return result;
}

// The built `clipglass` binary with `args` (shell words, quoted by the caller).
inline std::string ClipglassCommand(const std::string& args) {
  return std::string(CLIPGLASS_BINARY) + " " + args;
}

// `clipglass <args>`, stderr apart from stdout.
inline CommandResult RunClipglass(const std::string& args) {
  return RunCommand(ClipglassCommand(args));
}

// One shell word: `s` in single quotes (the tests' paths hold no single quote).
inline std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace clipglass::test_support
