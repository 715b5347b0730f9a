// libFuzzer target: any byte string through the restricted unpickler, then a bounded walk of the
// result (the graph may contain memo cycles). Run by deploy/fuzz.sh.
#include <cstdint>
#include <string_view>

#include "worker/weights/restricted_unpickler.h"

namespace cw = clipglass::weights;

namespace {

// Visits at most `budget` nodes: memo references can make the graph cyclic or exponentially
// shared, like the loader's own walk, which bounds its depth.
size_t Walk(const cw::PickleNode* node, int depth, size_t* budget) {
  if (depth > 16 || *budget == 0) return 0;
  --*budget;
  size_t n = 1 + node->text.size() + node->sizes.size();
  for (const cw::PickleNode* item : node->items) n += Walk(item, depth + 1, budget);
  for (const auto& [k, v] : node->entries) {
    n += Walk(k, depth + 1, budget) + Walk(v, depth + 1, budget);
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto pickle = cw::Unpickle(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (pickle.ok()) {
    size_t budget = 100000;
    volatile size_t sink = Walk(pickle->root, 0, &budget);
    (void)sink;
  }
  return 0;
}
