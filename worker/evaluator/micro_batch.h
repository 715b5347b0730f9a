// Fixed-shape evaluation (DESIGN.md, "Determinism"): LibTorch's CPU kernels pick their blocking by
// shape, so an individual's bits would change with its batch's size. Every model call runs on
// exactly `micro_batch` rows; the last micro-batch of a batch is padded with copies of its first
// row, and the padded rows' results are dropped.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "proto/wire.h"

namespace clipglass::worker {

// Rows [start, start + count) of `rows` [N, ...], then copies of row `start` up to `batch` rows.
// REQUIRES: 0 < count <= batch, start + count <= N.
at::Tensor PaddedRows(const at::Tensor& rows, int64_t start, int64_t count, int64_t batch);

// The genomes as one CPU matrix [N, W]: float32 when every segment is real or bool (bools as 0/1,
// segments concatenated in order), int64 when every segment is integer. InvalidArgument for a
// mix of integer and other segments (no family takes one).
StatusOr<at::Tensor> GenomeMatrix(const wire::UnpackedLatents& latents);

// A seed for row `row` of `genomes` [N, W] made from its bits alone (FNV-1a), so per-sample random
// noise depends on the individual, never on its batch mates or position.
uint64_t RowSeed(const at::Tensor& genomes, int64_t row);

}  // namespace clipglass::worker
