#include "worker/evaluator/micro_batch.h"

#include <ATen/ATen.h>

#include <cstring>
#include <string>

namespace clipglass::worker {

at::Tensor PaddedRows(const at::Tensor& rows, int64_t start, int64_t count, int64_t batch) {
  const at::Tensor chunk = rows.narrow(0, start, count);
  if (count == batch) return chunk.contiguous();
  std::vector<int64_t> pad_shape(rows.sizes().begin(), rows.sizes().end());
  pad_shape[0] = batch - count;
  return at::cat({chunk, chunk.narrow(0, 0, 1).expand(pad_shape)}).contiguous();
}

StatusOr<at::Tensor> GenomeMatrix(const wire::UnpackedLatents& latents) {
  const int64_t count = latents.count;
  bool any_integer = false;
  bool any_other = false;
  int64_t width = 0;
  for (const wire::UnpackedSegment& segment : latents.segments) {
    (segment.kind == wire::GeneKind::kInteger ? any_integer : any_other) = true;
    width += segment.width;
  }
  if (any_integer && any_other) {
    return InvalidArgumentError("genome mixes integer segments with real/bool ones");
  }
  if (any_integer) {
    at::Tensor out = at::empty({count, width}, at::kLong);
    int64_t* data = out.data_ptr<int64_t>();
    int64_t offset = 0;
    for (const wire::UnpackedSegment& segment : latents.segments) {
      for (int64_t r = 0; r < count; ++r) {
        for (int64_t c = 0; c < segment.width; ++c) {
          data[r * width + offset + c] = segment.integers[r * segment.width + c];
        }
      }
      offset += segment.width;
    }
    return out;
  }
  at::Tensor out = at::empty({count, width}, at::kFloat);
  float* data = out.data_ptr<float>();
  int64_t offset = 0;
  for (const wire::UnpackedSegment& segment : latents.segments) {
    for (int64_t r = 0; r < count; ++r) {
      for (int64_t c = 0; c < segment.width; ++c) {
        const int64_t i = r * segment.width + c;
        data[r * width + offset + c] = segment.kind == wire::GeneKind::kReal
                                           ? segment.reals[i]
                                           : static_cast<float>(segment.bools[i] != 0);
      }
    }
    offset += segment.width;
  }
  return out;
}

uint64_t RowSeed(const at::Tensor& genomes, int64_t row) {
  const at::Tensor bytes = genomes.select(0, row).contiguous().to(at::kCPU);
  const auto* data = static_cast<const unsigned char*>(bytes.data_ptr());
  const size_t size = static_cast<size_t>(bytes.numel()) * bytes.element_size();
  uint64_t hash = 14695981039346656037ull;
  for (size_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace clipglass::worker
