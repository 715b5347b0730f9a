// The coordinator and workers as separate `clipglass` processes talking gRPC over 127.0.0.1, with
// benchmark problems (answered after a simulated delay) in place of models: a worker killed with
// SIGKILL mid-batch loses nothing, a coordinator killed mid-sweep resumes to the same archive, and
// a wrong token is refused on both sides.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "results/archive.h"
#include "tests/coordinator/runtime/archive_compare.h"

namespace {

namespace fs = std::filesystem;
namespace results = clipglass::results;
using clipglass::StatusOr;

// A child process whose stdout and stderr go to files.
struct Child {
  pid_t pid = -1;
  std::string out;
  std::string err;
};

Child Spawn(const std::vector<std::string>& args, const std::string& log_prefix,
            const std::vector<std::string>& env = {}) {
  Child child;
  child.out = log_prefix + ".out";
  child.err = log_prefix + ".err";
  child.pid = fork();
  if (child.pid == 0) {
    const int out = open(child.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(child.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    for (const std::string& e : env) putenv(strdup(e.c_str()));
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return child;
}

int WaitExit(const Child& child) {
  int status = 0;
  waitpid(child.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Everything a child printed (spdlog writes to stdout, errors go to stderr).
std::string Logs(const Child& child) { return ReadAll(child.out) + ReadAll(child.err); }

// Waits for the coordinator's "listening on HOST:PORT" line.
std::string WaitForAddress(const Child& coordinator) {
  const std::regex line("listening on (127\\.0\\.0\\.1:[0-9]+)");
  for (int i = 0; i < 600; ++i) {
    std::smatch match;
    const std::string out = ReadAll(coordinator.out);
    if (std::regex_search(out, match, line)) return match[1];
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

class SweepProcessesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("clipglass_processes_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // The sweep every test runs: ZDT1, 2 seeds, 2 islands of 20, 10 generations.
  std::vector<std::string> SweepFlags() const {
    return {"--benchmark", "zdt1", "--seeds",       "2",  "--islands", "2",
            "--pop",       "20",   "--generations", "10", "--quiet"};
  }
  Child Coordinator(const std::string& archive, std::vector<std::string> extra,
                    const std::string& name, const std::vector<std::string>& env = {}) {
    std::vector<std::string> args = {
        CLIPGLASS_BINARY, "coordinator",          "--listen", "127.0.0.1:0",     "--out",
        archive,          "--checkpoint-seconds", "0.05",     "--lease-seconds", "20"};
    for (const std::string& f : SweepFlags()) args.push_back(f);
    for (const std::string& f : extra) args.push_back(f);
    return Spawn(args, Path(name), env);
  }
  Child Worker(const std::string& address, const std::string& name, int delay_ms,
               const std::vector<std::string>& env = {}) {
    return Spawn({CLIPGLASS_BINARY, "worker", "--connect", address, "--batch", "6",
                  "--benchmark-delay-ms", std::to_string(delay_ms), "--id", name},
                 Path(name), env);
  }
  results::SweepRecord Reference() {
    std::vector<std::string> args = {CLIPGLASS_BINARY,     "run",       "--out",
                                     Path("reference.h5"), "--workers", "1"};
    for (const std::string& f : SweepFlags()) args.push_back(f);
    Child run = Spawn(args, Path("reference"));
    EXPECT_EQ(WaitExit(run), 0) << ReadAll(run.err);
    StatusOr<results::SweepRecord> record = results::ReadArchive(Path("reference.h5"));
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    return record.ok() ? *record : results::SweepRecord{};
  }

  fs::path dir_;
};

TEST_F(SweepProcessesTest, KilledWorkerLosesNothing) {
  const results::SweepRecord reference = Reference();
  Child coordinator = Coordinator(Path("a.h5"), {}, "coordinator");
  const std::string address = WaitForAddress(coordinator);
  ASSERT_FALSE(address.empty()) << ReadAll(coordinator.err);
  Child victim = Worker(address, "victim", 40);
  Child w1 = Worker(address, "w1", 10);
  Child w2 = Worker(address, "w2", 15);
  // Once the victim has joined it always holds a batch (40 ms each, two at a time): kill it.
  for (int i = 0; i < 600 && Logs(coordinator).find("worker victim joined") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(victim.pid, SIGKILL);
  EXPECT_EQ(WaitExit(victim), 128 + SIGKILL);
  EXPECT_EQ(WaitExit(coordinator), 0) << ReadAll(coordinator.err);
  EXPECT_EQ(WaitExit(w1), 0) << ReadAll(w1.err);
  EXPECT_EQ(WaitExit(w2), 0) << ReadAll(w2.err);
  EXPECT_NE(Logs(coordinator).find("worker victim left holding batch"), std::string::npos)
      << "the victim was killed before it held a batch; the test proved nothing";
  StatusOr<results::SweepRecord> record = results::ReadArchive(Path("a.h5"));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->state, "done");
  clipglass::testing::ExpectSameResults(reference, *record);
}

TEST_F(SweepProcessesTest, KilledCoordinatorResumesToTheSameArchive) {
  const results::SweepRecord reference = Reference();
  Child coordinator = Coordinator(Path("a.h5"), {}, "coordinator");
  const std::string address = WaitForAddress(coordinator);
  ASSERT_FALSE(address.empty()) << ReadAll(coordinator.err);
  Child worker = Worker(address, "w", 30);
  // Kill the coordinator once a checkpoint with progress exists.
  bool checkpointed = false;
  for (int i = 0; i < 400 && !checkpointed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    StatusOr<results::SweepRecord> partial = results::ReadArchive(Path("a.h5"));
    checkpointed = partial.ok() && !partial->runs.empty() && partial->runs[0].generations_done >= 3;
  }
  ASSERT_TRUE(checkpointed);
  kill(coordinator.pid, SIGKILL);
  WaitExit(coordinator);
  WaitExit(worker);  // loses its coordinator and exits
  StatusOr<results::SweepRecord> partial = results::ReadArchive(Path("a.h5"));
  ASSERT_TRUE(partial.ok()) << "the archive must stay readable after a crash";
  EXPECT_EQ(partial->state, "running");

  Child resumed = Coordinator(Path("a.h5"), {"--resume", Path("a.h5")}, "resumed");
  const std::string again = WaitForAddress(resumed);
  ASSERT_FALSE(again.empty()) << ReadAll(resumed.err);
  Child worker2 = Worker(again, "w2", 0);
  EXPECT_EQ(WaitExit(resumed), 0) << ReadAll(resumed.err);
  EXPECT_EQ(WaitExit(worker2), 0);
  StatusOr<results::SweepRecord> record = results::ReadArchive(Path("a.h5"));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, "done");
  clipglass::testing::ExpectSameResults(reference, *record);
}

TEST_F(SweepProcessesTest, WrongTokenIsRefusedOnBothSides) {
  Child coordinator = Coordinator(Path("a.h5"), {}, "coordinator", {"CLIPGLASS_TOKEN=right"});
  const std::string address = WaitForAddress(coordinator);
  ASSERT_FALSE(address.empty()) << ReadAll(coordinator.err);
  Child intruder = Worker(address, "intruder", 0, {"CLIPGLASS_TOKEN=wrong"});
  EXPECT_NE(WaitExit(intruder), 0);
  EXPECT_NE(Logs(intruder).find("coordinator refused this worker: wrong token"), std::string::npos)
      << ReadAll(intruder.err);
  kill(coordinator.pid, SIGTERM);  // checkpoint and exit cleanly
  EXPECT_EQ(WaitExit(coordinator), 0) << ReadAll(coordinator.err);
  EXPECT_NE(Logs(coordinator).find("refused worker 'intruder'"), std::string::npos);
  StatusOr<results::SweepRecord> record = results::ReadArchive(Path("a.h5"));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, "interrupted");
}

}  // namespace
