// A restricted unpickler for the `data.pkl` of torch.save zip checkpoints, without LibTorch.
//
// It rebuilds only what a checkpoint of tensors needs: dicts (plain and collections.OrderedDict),
// lists, tuples, strings, numbers, and tensors as descriptions (which storage record, dtype,
// offset, sizes, strides). Any other global is refused, so no code named by the file ever runs
// (LibTorch's own unpickler turns an OrderedDict into None, so state dicts need this anyway).
// Accepted globals and opcodes are listed in docs/weights.md.
//
// Thread-safety: a free function over caller-owned bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace clipglass::weights {

struct PickleNode {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kStorage,
    kTensor
  };
  Kind kind = Kind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;                      // kString; kGlobal: "module.name"
  std::vector<const PickleNode*> items;  // kTuple, kList
  std::vector<std::pair<const PickleNode*, const PickleNode*>> entries;  // kDict, in order

  // kStorage: the record `data/<storage_key>`; kTensor: a view of one.
  std::string storage_key;
  std::string storage_type;  // "FloatStorage", "HalfStorage", ...
  int64_t storage_numel = 0;
  int64_t storage_offset = 0;  // in elements
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
};

const char* PickleKindName(PickleNode::Kind kind);

// The unpickled object graph; nodes are owned by the arena (a malicious pickle may build cycles
// through the memo, so walkers must bound their depth).
struct Pickle {
  std::vector<std::unique_ptr<PickleNode>> arena;
  const PickleNode* root = nullptr;
};

// DataLoss naming `source` on malformed input, InvalidArgument for a refused global.
StatusOr<Pickle> Unpickle(std::string_view data, const std::string& source);

// Bytes per element of a torch storage class name ("HalfStorage" -> 2); 0 if unknown.
size_t StorageElementSize(std::string_view storage_type);

}  // namespace clipglass::weights
