// The safetensors container, without LibTorch: dtypes, a validating header parser and a writer.
//
// Layout: u64 little-endian header length N, N bytes of JSON
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the
// data area; offsets are relative to the start of the data area. The parser trusts nothing: every
// rule it checks is listed in docs/weights.md. It is the fuzzer's target (fuzz/).
//
// Thread-safety: free functions over caller-owned data; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace clipglass::weights {

enum class SafetensorsDtype { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

// "F32", "BF16", ... as written in the header.
const char* SafetensorsDtypeName(SafetensorsDtype dtype);
// Bytes per element.
size_t SafetensorsDtypeSize(SafetensorsDtype dtype);
std::optional<SafetensorsDtype> ParseSafetensorsDtype(std::string_view name);

struct SafetensorsEntry {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets into the data area, begin <= end
  uint64_t end = 0;
};

struct SafetensorsHeader {
  uint64_t data_offset = 0;               // absolute file offset of the data area (8 + N)
  std::vector<SafetensorsEntry> entries;  // sorted by begin (data order), never overlapping
  std::map<std::string, std::string> metadata;
};

// Headers larger than this are rejected before parsing (the reference implementation's limit).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

// Parses and validates a whole safetensors file image. `source` names the file in errors: one
// DataLoss line naming the file and, where there is one, the offending key. Never reads outside
// `file`.
StatusOr<SafetensorsHeader> ParseSafetensors(std::string_view file, const std::string& source);

// True if `file` starts like a safetensors file ('{' after the 8-byte length); a cheap sniff for
// format detection, not a validation.
bool LooksLikeSafetensors(std::string_view file);

// One tensor to write: raw little-endian bytes in row-major order.
struct SafetensorsBlob {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::kF32;
  std::vector<int64_t> shape;
  std::string_view bytes;  // must hold exactly product(shape) * dtype size bytes
};

// Serialises a complete file image: the header is padded with spaces so the data area starts at
// an 8-byte boundary, and tensors are stored largest element size first (then by name) so each
// one is naturally aligned. InvalidArgument for a size mismatch, a duplicate or invalid name.
StatusOr<std::string> SerializeSafetensors(const std::vector<SafetensorsBlob>& blobs,
                                           const std::map<std::string, std::string>& metadata);

// SerializeSafetensors, then written atomically (temporary file + rename).
Status WriteSafetensorsFile(const std::string& path, const std::vector<SafetensorsBlob>& blobs,
                            const std::map<std::string, std::string>& metadata);

}  // namespace clipglass::weights
