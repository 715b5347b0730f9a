// A WorkSource for scheduler tests: a fixed list of tickets handed out in batches of one model,
// recording every completion.
#pragma once

#include <map>
#include <set>

#include "coordinator/runtime/work_source.h"
#include "proto/wire.h"

namespace clipglass::coordinator::testing {

class FakeWorkSource : public WorkSource {
 public:
  // `tickets` individuals, each with a 2-gene real genome {ticket, 0}; run = ticket % runs.
  FakeWorkSource(int tickets, int runs, std::string model_key = "model-a")
      : model_key_(std::move(model_key)), runs_(runs) {
    for (int t = 0; t < tickets; ++t) todo_.insert(t);
  }

  std::optional<PendingBatch> TakeBatch(int max_count,
                                        const std::set<std::string>& preferred) override {
    std::erase_if(todo_, [&](int64_t t) { return !TicketLive(t); });
    if (todo_.empty()) return std::nullopt;
    PendingBatch batch;
    batch.model_key = model_key_;
    batch.assign.mutable_model()->set_key(model_key_);
    batch.assign.mutable_model()->set_family("sphere");
    std::vector<std::vector<double>> genomes;
    while (!todo_.empty() && static_cast<int>(batch.tickets.size()) < max_count) {
      const int64_t t = *todo_.begin();
      todo_.erase(todo_.begin());
      batch.tickets.push_back(t);
      batch.runs.insert(t % runs_);
      genomes.push_back({static_cast<double>(t), 0.0});
    }
    std::vector<const std::vector<double>*> pointers;
    for (const auto& g : genomes) pointers.push_back(&g);
    wire::PackLatents({{wire::GeneKind::kReal, 2}}, pointers, batch.assign.mutable_latents());
    ++batches_taken;
    return batch;
  }

  void Complete(int64_t ticket, const Evaluation& evaluation) override {
    completions[ticket].push_back(evaluation.similarity);
  }
  void FailRun(int64_t run, const std::string& message) override { failed_runs[run] = message; }
  bool TicketLive(int64_t ticket) const override { return failed_runs.count(ticket % runs_) == 0; }
  bool Finished() const override {
    for (int64_t t : todo_) {
      if (TicketLive(t)) return false;
    }
    return true;
  }

  std::map<int64_t, std::vector<float>> completions;
  std::map<int64_t, std::string> failed_runs;
  int batches_taken = 0;

 private:
  std::string model_key_;
  int runs_;
  std::set<int64_t> todo_;
};

}  // namespace clipglass::coordinator::testing
