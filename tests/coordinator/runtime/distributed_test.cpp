// The coordinator and workers over real gRPC on 127.0.0.1, in one process (worker threads), with
// benchmark problems instead of models.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "coordinator/runtime/benchmark_runs.h"
#include "coordinator/runtime/coordinator.h"
#include "tests/coordinator/runtime/archive_compare.h"
#include "worker/runtime/benchmark_evaluator.h"
#include "worker/runtime/worker_client.h"

namespace clipglass::coordinator {
namespace {

namespace fs = std::filesystem;

BenchmarkRunOptions Zdt1Islands() {
  BenchmarkRunOptions o;
  o.problem = "zdt1";
  o.population = 24;
  o.generations = 12;
  o.islands = 3;
  o.migration_interval = 4;
  o.migrants = 2;
  o.save_every = 5;
  return o;
}

SweepInput MakeInput() {
  SweepInput input = *MakeBenchmarkSweep("t", Zdt1Islands(), 2);
  BenchmarkRunOptions sphere;
  sphere.problem = "sphere";
  sphere.population = 16;
  sphere.generations = 10;
  sphere.save_every = 3;
  input.runs.push_back(*MakeBenchmarkRun(sphere, 2));
  return input;
}

class DistributedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("clipglass_distributed_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `input` with `workers` worker threads (batch sizes vary per worker) to the end.
  results::SweepRecord RunSweep(SweepInput input, int workers, const std::string& archive) {
    CoordinatorOptions options;
    options.archive_path = archive;
    options.checkpoint_interval = std::chrono::milliseconds(50);
    auto sweep = Sweep::Create(std::move(input));
    EXPECT_TRUE(sweep.ok()) << sweep.status().ToString();
    Coordinator coordinator(std::move(*sweep), options);
    EXPECT_TRUE(coordinator.Start().ok());
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<worker::BenchmarkEvaluator>> evaluators;
    for (int w = 0; w < workers; ++w) {
      evaluators.push_back(
          std::make_unique<worker::BenchmarkEvaluator>(std::chrono::microseconds(w * 300)));
      threads.emplace_back([&, w] {
        worker::WorkerOptions wo;
        wo.coordinator_address = coordinator.address();
        wo.worker_id = "w" + std::to_string(w);
        wo.preferred_batch_size = 3 + 5 * w;
        worker::WorkerClient client(wo, evaluators[w].get());
        Status status = client.Run();
        EXPECT_TRUE(status.ok()) << status.ToString();
      });
    }
    EXPECT_TRUE(coordinator.Wait().ok());
    for (auto& t : threads) t.join();
    StatusOr<results::SweepRecord> record = results::ReadArchive(archive);
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    return record.ok() ? *record : results::SweepRecord{};
  }

  fs::path dir_;
};

TEST_F(DistributedTest, SweepCompletesAndTheArchiveHoldsEveryRun) {
  results::SweepRecord record = RunSweep(MakeInput(), 1, Path("one.h5"));
  EXPECT_EQ(record.state, "done");
  ASSERT_EQ(record.runs.size(), 3u);
  for (const results::RunRecord& run : record.runs) {
    EXPECT_EQ(run.state, "done") << run.id;
    EXPECT_EQ(run.generations_done, run.generations_total) << run.id;
    ASSERT_TRUE(run.final_individual) << run.id;
    EXPECT_FALSE(run.snapshots.empty());
    EXPECT_EQ(run.snapshots.back().generation, run.generations_total);
  }
  // ZDT1 with three islands of 24 for 12 generations makes clear progress towards the front.
  EXPECT_LT(record.runs[0].stats.back().best_discriminator_loss,
            0.8 * record.runs[0].stats.front().best_discriminator_loss);
  EXPECT_TRUE(record.runs[0].pareto_front.has_value());
  EXPECT_EQ(record.provenance.worker_devices.size(), 1u);
  // The sphere run's best value improves.
  EXPECT_GT(record.runs[2].stats.back().best_similarity,
            record.runs[2].stats.front().best_similarity);
}

TEST_F(DistributedTest, ResultsDoNotDependOnTheNumberOfWorkers) {
  results::SweepRecord one = RunSweep(MakeInput(), 1, Path("one.h5"));
  results::SweepRecord three = RunSweep(MakeInput(), 3, Path("three.h5"));
  testing::ExpectSameResults(one, three);
  EXPECT_EQ(three.provenance.worker_devices.size(), 3u);
}

TEST_F(DistributedTest, ResumedSweepEqualsUninterrupted) {
  results::SweepRecord whole = RunSweep(MakeInput(), 2, Path("whole.h5"));

  // Stop a second sweep part-way, as a crash would (the archive holds the last checkpoint).
  {
    CoordinatorOptions options;
    options.archive_path = Path("part.h5");
    options.checkpoint_interval = std::chrono::milliseconds(0);
    Coordinator coordinator(std::move(*Sweep::Create(MakeInput())), options);
    ASSERT_TRUE(coordinator.Start().ok());
    worker::BenchmarkEvaluator evaluator(std::chrono::microseconds(2000));
    worker::WorkerOptions wo;
    wo.coordinator_address = coordinator.address();
    wo.preferred_batch_size = 4;
    worker::WorkerClient client(wo, &evaluator);
    std::thread worker([&] { (void)client.Run(); });
    std::thread stopper([&] {
      while (true) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const auto [done, total] = coordinator.sweep().GenerationProgress();
        if (done >= total / 3) break;
      }
      coordinator.Stop();
    });
    ASSERT_TRUE(coordinator.Wait().ok());
    stopper.join();
    worker.join();
  }
  StatusOr<results::SweepRecord> partial = results::ReadArchive(Path("part.h5"));
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  EXPECT_EQ(partial->state, "interrupted");
  int unfinished = 0;
  for (const auto& run : partial->runs) unfinished += run.state != "done";
  EXPECT_GT(unfinished, 0);

  auto resumed_sweep = Sweep::Resume(MakeInput(), *partial);
  ASSERT_TRUE(resumed_sweep.ok()) << resumed_sweep.status().ToString();
  CoordinatorOptions options;
  options.archive_path = Path("part.h5");
  Coordinator coordinator(std::move(*resumed_sweep), options);
  ASSERT_TRUE(coordinator.Start().ok());
  worker::BenchmarkEvaluator evaluator;
  worker::WorkerOptions wo;
  wo.coordinator_address = coordinator.address();
  wo.preferred_batch_size = 7;
  worker::WorkerClient client(wo, &evaluator);
  std::thread worker([&] { EXPECT_TRUE(client.Run().ok()); });
  ASSERT_TRUE(coordinator.Wait().ok());
  worker.join();
  StatusOr<results::SweepRecord> finished = results::ReadArchive(Path("part.h5"));
  ASSERT_TRUE(finished.ok());
  EXPECT_EQ(finished->state, "done");
  testing::ExpectSameResults(whole, *finished);
}

TEST_F(DistributedTest, WrongTokenIsRefusedWithAClearMessage) {
  CoordinatorOptions options;
  options.token = "secret";
  Coordinator coordinator(std::move(*Sweep::Create(MakeInput())), options);
  ASSERT_TRUE(coordinator.Start().ok());
  worker::BenchmarkEvaluator evaluator;
  worker::WorkerOptions wo;
  wo.coordinator_address = coordinator.address();
  wo.token = "guess";
  worker::WorkerClient client(wo, &evaluator);
  Status status = client.Run();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("wrong token"), std::string::npos) << status.message();
  wo.token = "";
  worker::WorkerClient anonymous(wo, &evaluator);
  status = anonymous.Run();
  EXPECT_NE(status.message().find("token is required"), std::string::npos) << status.message();
  coordinator.Stop();
  EXPECT_TRUE(coordinator.Wait().ok());
}

TEST(CoordinatorAddressTest, NonLoopbackNeedsAToken) {
  CoordinatorOptions options;
  options.listen = "0.0.0.0:0";
  Coordinator coordinator(std::move(*Sweep::Create(MakeInput())), options);
  Status status = coordinator.Start();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("needs a token"), std::string::npos);
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:1"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:80"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.2:5000"));
}

}  // namespace
}  // namespace clipglass::coordinator
