#include "coordinator/runtime/scheduler.h"

#include <gtest/gtest.h>

#include "tests/coordinator/runtime/fake_work_source.h"

namespace clipglass::coordinator {
namespace {

using testing::FakeWorkSource;

v1::Result AnswerFor(const v1::Assign& assign, float value) {
  v1::Result result;
  result.set_batch_id(assign.batch_id());
  result.set_lease_id(assign.lease_id());
  for (uint32_t i = 0; i < assign.latents().count(); ++i) result.add_similarity(value);
  return result;
}

WorkerInfo Worker(const std::string& id, int batch = 4) {
  WorkerInfo info;
  info.id = id;
  info.preferred_batch_size = batch;
  return info;
}

TEST(SchedulerTest, BatchesFollowThePreferredSizeAndEveryTicketCompletesOnce) {
  FakeWorkSource source(10, 1);
  Scheduler scheduler(&source, {});
  scheduler.AddWorker(Worker("w1", 4));
  int assigned = 0;
  while (auto assign = scheduler.NextAssignment("w1")) {
    EXPECT_LE(assign->latents().count(), 4u);
    assigned += static_cast<int>(assign->latents().count());
    ASSERT_TRUE(scheduler.HandleResult("w1", AnswerFor(*assign, 0.5f)).ok());
  }
  EXPECT_EQ(assigned, 10);
  EXPECT_EQ(source.completions.size(), 10u);
  for (const auto& [ticket, values] : source.completions) EXPECT_EQ(values.size(), 1u);
  EXPECT_TRUE(scheduler.Finished());
  EXPECT_EQ(scheduler.Counters().evaluations, 10);
}

TEST(SchedulerTest, AResultCanTakeTheWorkersNextBatchAtOnce) {
  FakeWorkSource source(10, 1);
  SchedulerOptions options;
  options.max_in_flight_per_worker = 2;
  Scheduler scheduler(&source, options);
  scheduler.AddWorker(Worker("w1", 4));
  std::optional<v1::Assign> first = scheduler.NextAssignment("w1");
  std::optional<v1::Assign> second = scheduler.NextAssignment("w1");
  ASSERT_TRUE(first && second);
  // The first answer frees a slot: the last 2 individuals come back with it, under a new lease.
  std::optional<v1::Assign> third;
  ASSERT_TRUE(scheduler.HandleResult("w1", AnswerFor(*first, 0.5f), &third).ok());
  ASSERT_TRUE(third);
  EXPECT_EQ(third->latents().count(), 2u);
  EXPECT_NE(third->lease_id(), second->lease_id());
  // Nothing left to hand out: the answer comes back with no batch, and the sweep ends.
  std::optional<v1::Assign> none;
  ASSERT_TRUE(scheduler.HandleResult("w1", AnswerFor(*second, 0.5f), &none).ok());
  EXPECT_FALSE(none);
  ASSERT_TRUE(scheduler.HandleResult("w1", AnswerFor(*third, 0.5f), &none).ok());
  EXPECT_FALSE(none);
  EXPECT_TRUE(scheduler.Finished());
  EXPECT_EQ(source.completions.size(), 10u);
  EXPECT_FALSE(scheduler.NextAssignment("w1"));
}

TEST(SchedulerTest, ExpiredLeaseIsRequeuedAndTheLateAnswerDropped) {
  FakeWorkSource source(4, 1);
  SchedulerOptions options;
  options.lease_timeout = std::chrono::milliseconds(0);
  Scheduler scheduler(&source, options);
  scheduler.AddWorker(Worker("slow", 4));
  scheduler.AddWorker(Worker("fast", 4));
  std::optional<v1::Assign> first = scheduler.NextAssignment("slow");
  ASSERT_TRUE(first);
  EXPECT_EQ(scheduler.ExpireLeases(Scheduler::Clock::now() + std::chrono::seconds(1)), 1);
  std::optional<v1::Assign> again = scheduler.NextAssignment("fast");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->batch_id(), first->batch_id());
  EXPECT_NE(again->lease_id(), first->lease_id());
  // The slow worker's answer arrives late: dropped without effect.
  ASSERT_TRUE(scheduler.HandleResult("slow", AnswerFor(*first, 0.1f)).ok());
  EXPECT_TRUE(source.completions.empty());
  EXPECT_EQ(scheduler.Counters().results_dropped, 1);
  ASSERT_TRUE(scheduler.HandleResult("fast", AnswerFor(*again, 0.9f)).ok());
  ASSERT_EQ(source.completions.size(), 4u);
  EXPECT_FLOAT_EQ(source.completions[0][0], 0.9f);
  // A duplicate of the accepted answer is dropped too.
  ASSERT_TRUE(scheduler.HandleResult("fast", AnswerFor(*again, 0.2f)).ok());
  EXPECT_EQ(source.completions[0].size(), 1u);
}

TEST(SchedulerTest, WorkerLeavingRequeuesItsBatches) {
  FakeWorkSource source(8, 1);
  Scheduler scheduler(&source, {});
  scheduler.AddWorker(Worker("a", 4));
  std::optional<v1::Assign> held1 = scheduler.NextAssignment("a");
  std::optional<v1::Assign> held2 = scheduler.NextAssignment("a");
  ASSERT_TRUE(held1 && held2);
  scheduler.RemoveWorker("a");
  EXPECT_EQ(scheduler.Counters().batches_requeued, 2);
  scheduler.AddWorker(Worker("b", 4));
  int answered = 0;
  while (auto assign = scheduler.NextAssignment("b")) {
    ASSERT_TRUE(scheduler.HandleResult("b", AnswerFor(*assign, 1.0f)).ok());
    ++answered;
  }
  EXPECT_EQ(answered, 2);
  EXPECT_EQ(source.completions.size(), 8u);
}

TEST(SchedulerTest, MalformedResultsAreRejectedAndRequeued) {
  FakeWorkSource source(3, 1);
  Scheduler scheduler(&source, {});
  scheduler.AddWorker(Worker("w", 4));
  std::optional<v1::Assign> assign = scheduler.NextAssignment("w");
  ASSERT_TRUE(assign);
  v1::Result short_result = AnswerFor(*assign, 0.5f);
  short_result.mutable_similarity()->RemoveLast();
  Status status = scheduler.HandleResult("w", short_result);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("2 values for 3 individuals"), std::string::npos);

  std::optional<v1::Assign> retry = scheduler.NextAssignment("w");
  ASSERT_TRUE(retry);
  v1::Result nan_result = AnswerFor(*retry, std::numeric_limits<float>::quiet_NaN());
  status = scheduler.HandleResult("w", nan_result);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("non-finite"), std::string::npos);
  EXPECT_TRUE(source.completions.empty());
  EXPECT_EQ(scheduler.Counters().results_rejected, 2);

  std::optional<v1::Assign> last = scheduler.NextAssignment("w");
  ASSERT_TRUE(last);
  ASSERT_TRUE(scheduler.HandleResult("w", AnswerFor(*last, 0.5f)).ok());
  EXPECT_EQ(source.completions.size(), 3u);
}

TEST(SchedulerTest, PermanentFailureFailsTheRunsOfTheBatch) {
  FakeWorkSource source(4, 2);
  Scheduler scheduler(&source, {});
  scheduler.AddWorker(Worker("w", 2));
  std::optional<v1::Assign> assign = scheduler.NextAssignment("w");
  ASSERT_TRUE(assign);
  v1::Failure failure;
  failure.set_batch_id(assign->batch_id());
  failure.set_lease_id(assign->lease_id());
  failure.set_message("weights/G.safetensors: missing");
  failure.set_permanent(true);
  scheduler.HandleFailure("w", failure);
  EXPECT_EQ(source.failed_runs.size(), 2u);  // tickets 0 and 1 belong to runs 0 and 1
  EXPECT_EQ(source.failed_runs[0], "weights/G.safetensors: missing");
  // Every remaining ticket belongs to a failed run: nothing more is assigned.
  EXPECT_FALSE(scheduler.NextAssignment("w"));
  EXPECT_TRUE(scheduler.Finished());
}

TEST(SchedulerTest, RequeuedBatchPrefersAWorkerHoldingItsModel) {
  FakeWorkSource source(2, 1, "model-x");
  Scheduler scheduler(&source, {});
  scheduler.AddWorker(Worker("first", 2));
  std::optional<v1::Assign> assign = scheduler.NextAssignment("first");
  ASSERT_TRUE(assign);
  WorkerInfo holder = Worker("holder", 2);
  holder.loaded_models = {"model-x"};
  scheduler.AddWorker(holder);
  scheduler.RemoveWorker("first");
  std::optional<v1::Assign> again = scheduler.NextAssignment("holder");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->model().key(), "model-x");
  EXPECT_EQ(again->batch_id(), assign->batch_id());
}

}  // namespace
}  // namespace clipglass::coordinator
