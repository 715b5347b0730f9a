// The seam between the scheduler (leases, workers, transport) and the GA state of a sweep: the
// scheduler asks for batches of genomes to evaluate and hands back their objective values. The
// sweep implements it; tests implement it with a fake.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proto/clipglass.pb.h"

namespace clipglass::coordinator {

// A batch ready to be assigned: the Assign message without ids or lease, and for each individual
// an opaque ticket the source uses to route its result back.
struct PendingBatch {
  std::string model_key;
  v1::Assign assign;  // model, targets, target_index, latents, want_discriminator, keep_outputs
  std::vector<int64_t> tickets;
  std::set<int64_t> runs;  // runs with individuals in this batch
};

// Objective values of one individual as a worker reported them.
struct Evaluation {
  float similarity = 0;
  std::optional<float> discriminator_loss;
  std::optional<v1::Output> output;  // when the individual's output was asked for
};

// Not thread-safe: the scheduler calls it under its own lock.
class WorkSource {
 public:
  virtual ~WorkSource() = default;

  // Up to `max_count` individuals that share one model, preferring a model whose key is in
  // `preferred` (models the worker already holds). std::nullopt when nothing is ready now
  // (everything is in flight, or islands wait for migration).
  virtual std::optional<PendingBatch> TakeBatch(int max_count,
                                                const std::set<std::string>& preferred) = 0;

  // The result for one ticket of a batch taken earlier. Called exactly once per ticket.
  virtual void Complete(int64_t ticket, const Evaluation& evaluation) = 0;

  // A run cannot go on (its batch failed permanently); its tickets in flight are abandoned.
  virtual void FailRun(int64_t run, const std::string& message) = 0;

  // Whether the ticket still matters (its run has not failed or finished).
  virtual bool TicketLive(int64_t ticket) const = 0;

  // True when every run is done or failed: no more batches will ever come.
  virtual bool Finished() const = 0;
};

}  // namespace clipglass::coordinator
