// Hand-written pickle bytes (protocol 2, as torch.save writes them) for crafting checkpoints in
// tests: each function returns the opcodes that push one value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace clipglass::testing::pickle {

inline std::string Le32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

inline std::string Proto() { return "\x80\x02"; }
inline std::string Stop() { return "."; }
inline std::string Str(const std::string& s) { return "X" + Le32(s.size()) + s; }
inline std::string Int(int32_t v) { return "J" + Le32(static_cast<uint32_t>(v)); }
inline std::string Global(const std::string& module, const std::string& name) {
  return "c" + module + "\n" + name + "\n";
}
inline std::string Tuple(const std::vector<std::string>& items) {
  std::string out = "(";
  for (const std::string& item : items) out += item;
  return out + "t";
}
inline std::string IntTuple(const std::vector<int>& values) {
  std::vector<std::string> items;
  for (int v : values) items.push_back(Int(v));
  return Tuple(items);
}
inline std::string OrderedDict() { return Global("collections", "OrderedDict") + ")R"; }

// A dict (an OrderedDict when `ordered`) of already-encoded keys and values.
inline std::string Dict(const std::vector<std::pair<std::string, std::string>>& entries,
                        bool ordered = true) {
  std::string out = ordered ? OrderedDict() : "}";
  out += "(";
  for (const auto& [k, v] : entries) out += Str(k) + v;
  return out + "u";
}

// torch._utils._rebuild_tensor_v2 of storage record `data/<key>`.
inline std::string Tensor(const std::string& storage_type, const std::string& key, int numel,
                          int offset, const std::vector<int>& sizes,
                          const std::vector<int>& strides) {
  const std::string storage =
      Tuple({Str("storage"), Global("torch", storage_type), Str(key), Str("cpu"), Int(numel)}) +
      "Q";
  return Global("torch._utils", "_rebuild_tensor_v2") +
         Tuple({storage, Int(offset), IntTuple(sizes), IntTuple(strides), "\x89", OrderedDict()}) +
         "R";
}

}  // namespace clipglass::testing::pickle
