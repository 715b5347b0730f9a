#include "worker/weights/restricted_unpickler.h"

#include <cstring>
#include <optional>
#include <unordered_map>

namespace clipglass::weights {
namespace {

using Kind = PickleNode::Kind;

// Storage classes torch.save names in persistent ids, with their element sizes.
struct StorageInfo {
  const char* name;
  size_t size;
};
constexpr StorageInfo kStorages[] = {
    {"DoubleStorage", 8}, {"FloatStorage", 4}, {"HalfStorage", 2},  {"BFloat16Storage", 2},
    {"LongStorage", 8},   {"IntStorage", 4},   {"ShortStorage", 2}, {"CharStorage", 1},
    {"ByteStorage", 1},   {"BoolStorage", 1},
};

constexpr std::string_view kOrderedDict = "collections.OrderedDict";
constexpr std::string_view kRebuildTensor = "torch._utils._rebuild_tensor_v2";
constexpr std::string_view kRebuildParameter = "torch._utils._rebuild_parameter";

bool IsAllowedGlobal(std::string_view module, std::string_view name) {
  if (module == "collections" && name == "OrderedDict") return true;
  if (module == "torch._utils") return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter";
  return module == "torch" && StorageElementSize(name) != 0;
}

class Unpickler {
 public:
  Unpickler(std::string_view data, const std::string& source) : data_(data), source_(source) {}

  StatusOr<Pickle> Run() {
    while (true) {
      if (pos_ >= data_.size()) return Error("truncated: no STOP opcode");
      const auto op = static_cast<unsigned char>(data_[pos_++]);
      if (op == '.') break;
      Status s = Step(op);
      if (!s.ok()) return s;
    }
    if (stack_.size() != 1 || !marks_.empty()) return Error("STOP with a malformed stack");
    pickle_.root = stack_.back();
    return std::move(pickle_);
  }

 private:
  Status Error(const std::string& what) const {
    return DataLossError(source_ + ": pickle: " + what + " (at byte " + std::to_string(pos_) + ")");
  }

  PickleNode* New(Kind kind) {
    pickle_.arena.push_back(std::make_unique<PickleNode>());
    pickle_.arena.back()->kind = kind;
    return pickle_.arena.back().get();
  }

  std::optional<std::string_view> Take(uint64_t n) {
    if (n > data_.size() - pos_) return std::nullopt;
    const std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  std::optional<uint64_t> TakeLe(int bytes) {
    const auto raw = Take(bytes);
    if (!raw) return std::nullopt;
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>((*raw)[i]);
    return v;
  }

  std::optional<std::string_view> TakeLine() {
    const size_t nl = data_.find('\n', pos_);
    if (nl == std::string_view::npos) return std::nullopt;
    const std::string_view out = data_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return out;
  }

  const PickleNode* Pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) return nullptr;
    const PickleNode* top = stack_.back();
    stack_.pop_back();
    return top;
  }

  // Items above the last MARK, which is removed.
  std::optional<std::vector<const PickleNode*>> PopMark() {
    if (marks_.empty()) return std::nullopt;
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<const PickleNode*> items(stack_.begin() + mark, stack_.end());
    stack_.resize(mark);
    return items;
  }

  Status PushString(std::optional<std::string_view> bytes) {
    if (!bytes) return Error("truncated string");
    PickleNode* node = New(Kind::kString);
    node->text = std::string(*bytes);
    stack_.push_back(node);
    return Status::Ok();
  }

  Status PushInt(int64_t v) {
    PickleNode* node = New(Kind::kInt);
    node->integer = v;
    stack_.push_back(node);
    return Status::Ok();
  }

  Status PushTuple(std::vector<const PickleNode*> items) {
    PickleNode* node = New(Kind::kTuple);
    node->items = std::move(items);
    stack_.push_back(node);
    return Status::Ok();
  }

  Status Memoize(uint64_t index) {
    if (stack_.empty()) return Error("PUT on an empty stack");
    memo_[index] = stack_.back();
    return Status::Ok();
  }

  Status Get(std::optional<uint64_t> index) {
    if (!index) return Error("truncated GET");
    const auto it = memo_.find(*index);
    if (it == memo_.end()) return Error("GET of an unset memo entry");
    stack_.push_back(it->second);
    return Status::Ok();
  }

  // Mutable access to a container on the stack (only nodes this unpickler made are on it).
  PickleNode* Mutable(const PickleNode* node) { return const_cast<PickleNode*>(node); }

  Status SetItems(std::vector<const PickleNode*> items) {
    if (items.size() % 2 != 0) return Error("SETITEMS with an odd number of items");
    if (stack_.empty() || stack_.back()->kind != Kind::kDict)
      return Error("SETITEM(S) on a non-dict");
    PickleNode* dict = Mutable(stack_.back());
    for (size_t i = 0; i < items.size(); i += 2) dict->entries.emplace_back(items[i], items[i + 1]);
    return Status::Ok();
  }

  Status Append(std::vector<const PickleNode*> items) {
    if (stack_.empty() || stack_.back()->kind != Kind::kList)
      return Error("APPEND(S) on a non-list");
    PickleNode* list = Mutable(stack_.back());
    list->items.insert(list->items.end(), items.begin(), items.end());
    return Status::Ok();
  }

  Status Global(std::string_view module, std::string_view name) {
    if (!IsAllowedGlobal(module, name)) {
      return InvalidArgumentError(
          source_ + ": pickle: refusing global '" + std::string(module) + "." + std::string(name) +
          "': only tensors and dicts of tensors are read (convert other files with "
          "deploy/weights/convert_to_safetensors.py)");
    }
    PickleNode* node = New(Kind::kGlobal);
    node->text = std::string(module) + "." + std::string(name);
    stack_.push_back(node);
    return Status::Ok();
  }

  static std::optional<std::vector<int64_t>> IntTuple(const PickleNode* node) {
    if (node->kind != Kind::kTuple) return std::nullopt;
    std::vector<int64_t> out;
    for (const PickleNode* item : node->items) {
      if (item->kind != Kind::kInt || item->integer < 0) return std::nullopt;
      out.push_back(item->integer);
    }
    return out;
  }

  Status Reduce() {
    const PickleNode* args = Pop();
    const PickleNode* callable = Pop();
    if (args == nullptr || callable == nullptr) return Error("REDUCE on a short stack");
    if (callable->kind != Kind::kGlobal || args->kind != Kind::kTuple) {
      return Error("REDUCE needs a global and an argument tuple");
    }
    if (callable->text == kOrderedDict) {
      if (!args->items.empty()) return Error("OrderedDict with arguments");
      stack_.push_back(New(Kind::kDict));
      return Status::Ok();
    }
    if (callable->text == kRebuildParameter) {
      if (args->items.empty() || args->items[0]->kind != Kind::kTensor) {
        return Error("_rebuild_parameter without a tensor");
      }
      stack_.push_back(args->items[0]);
      return Status::Ok();
    }
    if (callable->text == kRebuildTensor) {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const auto& a = args->items;
      if (a.size() < 4 || a[0]->kind != Kind::kStorage || a[1]->kind != Kind::kInt ||
          a[1]->integer < 0) {
        return Error("_rebuild_tensor_v2 with malformed arguments");
      }
      const auto sizes = IntTuple(a[2]);
      const auto strides = IntTuple(a[3]);
      if (!sizes || !strides || sizes->size() != strides->size()) {
        return Error("_rebuild_tensor_v2 with malformed sizes or strides");
      }
      PickleNode* tensor = New(Kind::kTensor);
      tensor->storage_key = a[0]->storage_key;
      tensor->storage_type = a[0]->storage_type;
      tensor->storage_numel = a[0]->storage_numel;
      tensor->storage_offset = a[1]->integer;
      tensor->sizes = *sizes;
      tensor->strides = *strides;
      stack_.push_back(tensor);
      return Status::Ok();
    }
    return Error("REDUCE of '" + callable->text + "'");  // a storage class called directly
  }

  // ('storage', torch.<X>Storage, key, location, numel) -> a storage node.
  Status PersistentId() {
    const PickleNode* pid = Pop();
    if (pid == nullptr || pid->kind != Kind::kTuple || pid->items.size() != 5) {
      return Error("persistent id is not a 5-tuple");
    }
    const auto& p = pid->items;
    if (p[0]->kind != Kind::kString || p[0]->text != "storage" || p[1]->kind != Kind::kGlobal ||
        p[2]->kind != Kind::kString || p[3]->kind != Kind::kString || p[4]->kind != Kind::kInt ||
        p[4]->integer < 0) {
      return Error("persistent id is not ('storage', type, key, location, numel)");
    }
    const std::string_view type = std::string_view(p[1]->text).substr(std::strlen("torch."));
    if (p[1]->text.rfind("torch.", 0) != 0 || StorageElementSize(type) == 0) {
      return Error("persistent id names '" + p[1]->text + "', not a storage class");
    }
    PickleNode* storage = New(Kind::kStorage);
    storage->storage_type = std::string(type);
    storage->storage_key = p[2]->text;
    storage->storage_numel = p[4]->integer;
    stack_.push_back(storage);
    return Status::Ok();
  }

  Status Step(unsigned char op) {
    switch (op) {
      case 0x80:  // PROTO
        return Take(1) ? Status::Ok() : Error("truncated PROTO");
      case 0x95:  // FRAME (protocol 4): a length hint only
        return Take(8) ? Status::Ok() : Error("truncated FRAME");
      case 'c': {  // GLOBAL
        const auto module = TakeLine();
        const auto name = TakeLine();
        if (!module || !name) return Error("truncated GLOBAL");
        return Global(*module, *name);
      }
      case 0x93: {  // STACK_GLOBAL
        const PickleNode* name = Pop();
        const PickleNode* module = Pop();
        if (!name || !module || name->kind != Kind::kString || module->kind != Kind::kString) {
          return Error("STACK_GLOBAL needs two strings");
        }
        return Global(module->text, name->text);
      }
      case 'R':
        return Reduce();
      case 'b': {  // BUILD: only an OrderedDict's attributes (state_dict()._metadata), ignored
        const PickleNode* state = Pop();
        if (state == nullptr || stack_.empty() || stack_.back()->kind != Kind::kDict) {
          return Error("BUILD on something other than a dict");
        }
        return Status::Ok();
      }
      case 'Q':
        return PersistentId();
      case '(':
        marks_.push_back(stack_.size());
        return Status::Ok();
      case 't': {
        auto items = PopMark();
        if (!items) return Error("TUPLE without MARK");
        return PushTuple(std::move(*items));
      }
      case ')':
        return PushTuple({});
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t n = op - 0x84;
        std::vector<const PickleNode*> items(n);
        for (size_t i = n; i-- > 0;) {
          items[i] = Pop();
          if (items[i] == nullptr) return Error("TUPLE" + std::to_string(n) + " on a short stack");
        }
        return PushTuple(std::move(items));
      }
      case '}':
        stack_.push_back(New(Kind::kDict));
        return Status::Ok();
      case 'd': {  // DICT
        auto items = PopMark();
        if (!items) return Error("DICT without MARK");
        stack_.push_back(New(Kind::kDict));
        return SetItems(std::move(*items));
      }
      case 's': {
        const PickleNode* value = Pop();
        const PickleNode* key = Pop();
        if (!value || !key) return Error("SETITEM on a short stack");
        return SetItems({key, value});
      }
      case 'u': {
        auto items = PopMark();
        if (!items) return Error("SETITEMS without MARK");
        return SetItems(std::move(*items));
      }
      case ']':
        stack_.push_back(New(Kind::kList));
        return Status::Ok();
      case 'l': {  // LIST
        auto items = PopMark();
        if (!items) return Error("LIST without MARK");
        stack_.push_back(New(Kind::kList));
        return Append(std::move(*items));
      }
      case 'a': {
        const PickleNode* item = Pop();
        if (!item) return Error("APPEND on a short stack");
        return Append({item});
      }
      case 'e': {
        auto items = PopMark();
        if (!items) return Error("APPENDS without MARK");
        return Append(std::move(*items));
      }
      case 'X': {  // BINUNICODE
        const auto n = TakeLe(4);
        return n ? PushString(Take(*n)) : Error("truncated BINUNICODE");
      }
      case 0x8c: {  // SHORT_BINUNICODE
        const auto n = TakeLe(1);
        return n ? PushString(Take(*n)) : Error("truncated SHORT_BINUNICODE");
      }
      case 0x8d: {  // BINUNICODE8
        const auto n = TakeLe(8);
        return n ? PushString(Take(*n)) : Error("truncated BINUNICODE8");
      }
      case 'J': {  // BININT: signed 32-bit
        const auto v = TakeLe(4);
        if (!v) return Error("truncated BININT");
        return PushInt(static_cast<int32_t>(static_cast<uint32_t>(*v)));
      }
      case 'K': {
        const auto v = TakeLe(1);
        return v ? PushInt(static_cast<int64_t>(*v)) : Error("truncated BININT1");
      }
      case 'M': {
        const auto v = TakeLe(2);
        return v ? PushInt(static_cast<int64_t>(*v)) : Error("truncated BININT2");
      }
      case 0x8a: {  // LONG1: little-endian two's complement, here at most 8 bytes
        const auto n = TakeLe(1);
        if (!n) return Error("truncated LONG1");
        if (*n > 8) return Error("LONG1 wider than 64 bits");
        if (*n == 0) return PushInt(0);
        const auto v = TakeLe(static_cast<int>(*n));
        if (!v) return Error("truncated LONG1");
        uint64_t u = *v;
        if (*n < 8 && (u >> (8 * *n - 1)) & 1) u |= ~uint64_t{0} << (8 * *n);  // sign-extend
        return PushInt(static_cast<int64_t>(u));
      }
      case 'G': {  // BINFLOAT: big-endian double
        const auto raw = Take(8);
        if (!raw) return Error("truncated BINFLOAT");
        uint64_t bits = 0;
        for (char c : *raw) bits = (bits << 8) | static_cast<unsigned char>(c);
        PickleNode* node = New(Kind::kFloat);
        std::memcpy(&node->real, &bits, sizeof(bits));
        stack_.push_back(node);
        return Status::Ok();
      }
      case 'N':
        stack_.push_back(New(Kind::kNone));
        return Status::Ok();
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        PickleNode* node = New(Kind::kBool);
        node->boolean = op == 0x88;
        stack_.push_back(node);
        return Status::Ok();
      }
      case 'q': {
        const auto i = TakeLe(1);
        return i ? Memoize(*i) : Error("truncated BINPUT");
      }
      case 'r': {
        const auto i = TakeLe(4);
        return i ? Memoize(*i) : Error("truncated LONG_BINPUT");
      }
      case 0x94:  // MEMOIZE
        return Memoize(memo_.size());
      case 'h':
        return Get(TakeLe(1));
      case 'j':
        return Get(TakeLe(4));
      case '0':  // POP
        return Pop() ? Status::Ok() : Error("POP on an empty stack");
      default: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "0x%02x", op);
        return Error(std::string("unsupported opcode ") + hex);
      }
    }
  }

  std::string_view data_;
  const std::string& source_;
  size_t pos_ = 0;
  Pickle pickle_;
  std::vector<const PickleNode*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, const PickleNode*> memo_;
};

}  // namespace

const char* PickleKindName(PickleNode::Kind kind) {
  switch (kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kTuple:
      return "tuple";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kGlobal:
      return "global";
    case Kind::kStorage:
      return "storage";
    case Kind::kTensor:
      return "tensor";
  }
  return "?";
}

size_t StorageElementSize(std::string_view storage_type) {
  for (const StorageInfo& info : kStorages) {
    if (storage_type == info.name) return info.size;
  }
  return 0;
}

StatusOr<Pickle> Unpickle(std::string_view data, const std::string& source) {
  return Unpickler(data, source).Run();
}

}  // namespace clipglass::weights
