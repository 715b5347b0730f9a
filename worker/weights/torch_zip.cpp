// torch.save zip checkpoints of tensors: the zip records are read by LibTorch's
// PyTorchStreamReader, `data.pkl` by our restricted unpickler, never by LibTorch's (which runs
// no code either, but turns the OrderedDict of every state_dict() into None).
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>

#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "worker/weights/checkpoint_readers.h"
#include "worker/weights/restricted_unpickler.h"

namespace clipglass::weights::internal {
namespace {

// Nesting allowed below the root dict: a dict of state dicts is 1; deeper is refused (and a
// memo cycle cannot recurse forever).
constexpr int kMaxNesting = 4;

class MappedReadAdapter final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit MappedReadAdapter(std::shared_ptr<MappedFile> file) : file_(std::move(file)) {}
  size_t size() const override { return file_->size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* what) const override {
    if (pos >= file_->size()) return 0;
    const size_t count = std::min<uint64_t>(n, file_->size() - pos);
    std::memcpy(buf, file_->data() + pos, count);
    return count;
  }

 private:
  std::shared_ptr<MappedFile> file_;
};

std::optional<at::ScalarType> StorageScalarType(std::string_view type) {
  static const std::pair<std::string_view, at::ScalarType> kTypes[] = {
      {"DoubleStorage", at::kDouble},     {"FloatStorage", at::kFloat}, {"HalfStorage", at::kHalf},
      {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong},   {"IntStorage", at::kInt},
      {"ShortStorage", at::kShort},       {"CharStorage", at::kChar},   {"ByteStorage", at::kByte},
      {"BoolStorage", at::kBool},
  };
  for (const auto& [name, scalar] : kTypes) {
    if (name == type) return scalar;
  }
  return std::nullopt;
}

class ZipCheckpointReader {
 public:
  ZipCheckpointReader(std::shared_ptr<MappedFile> file, const LoadOptions& options)
      : file_(std::move(file)), options_(options), reader_(MakeReadAdapter(file_)) {}

  StatusOr<StateDict> Read() {
    const std::string& path = file_->path();
    if (reader_.hasRecord("byteorder")) {
      auto [data, size] = reader_.getRecord("byteorder");
      if (std::string_view(static_cast<const char*>(data.get()), size) != "little") {
        return UnimplementedError(path + ": big-endian checkpoint");
      }
    }
    if (!reader_.hasRecord("data.pkl")) {
      return DataLossError(path + ": zip archive without data.pkl: not a torch.save checkpoint");
    }
    auto [pkl, pkl_size] = reader_.getRecord("data.pkl");
    CG_ASSIGN_OR_RETURN(
        Pickle pickle,
        Unpickle(std::string_view(static_cast<const char*>(pkl.get()), pkl_size), path));
    if (pickle.root->kind != PickleNode::Kind::kDict) {
      return InvalidArgumentError(path + ": the checkpoint is a " +
                                  std::string(PickleKindName(pickle.root->kind)) +
                                  ", not a dict of tensors");
    }
    dict_.source = path;
    dict_.format = CheckpointFormat::kTorchZip;

    const PickleNode* root = pickle.root;
    bool selected = false;
    if (!options_.sub_dict.empty()) {
      for (const auto& [key, value] : root->entries) {
        if (key->kind == PickleNode::Kind::kString && key->text == options_.sub_dict &&
            value->kind == PickleNode::Kind::kDict) {
          root = value;
          selected = true;
        }
      }
    }
    CG_RETURN_IF_ERROR(Walk(root, "", 0));
    if (options_.sub_dict.empty() || selected) return std::move(dict_);
    // A flat checkpoint: sub_dict selects a key prefix, as for safetensors files.
    StateDict prefixed = dict_.WithPrefixRemoved(options_.sub_dict + ".");
    if (prefixed.tensors.empty()) {
      return NotFoundError(path + ": no entry or tensor prefix '" + options_.sub_dict + "'");
    }
    return prefixed;
  }

 private:
  Status Walk(const PickleNode* dict, const std::string& prefix, int depth) {
    const std::string& path = file_->path();
    if (depth > kMaxNesting) {
      return InvalidArgumentError(path + ": '" + prefix + "' nests dicts too deeply");
    }
    // A dict reached twice (through the pickle memo) would multiply the work, or never end.
    if (!walked_.insert(dict).second) {
      return InvalidArgumentError(path + ": '" + prefix + "' is a dict shared with another key");
    }
    for (const auto& [key, value] : dict->entries) {
      if (key->kind != PickleNode::Kind::kString) {
        return InvalidArgumentError(path + ": a " + std::string(PickleKindName(key->kind)) +
                                    " key in '" + prefix + "'; state dict keys are strings");
      }
      const std::string name = prefix + key->text;
      if (value->kind == PickleNode::Kind::kDict) {
        CG_RETURN_IF_ERROR(Walk(value, name + ".", depth + 1));
      } else if (value->kind == PickleNode::Kind::kTensor) {
        CG_ASSIGN_OR_RETURN(at::Tensor tensor, MakeTensor(*value, name));
        if (!dict_.tensors.emplace(name, std::move(tensor)).second) {
          return InvalidArgumentError(path + ": duplicate tensor name '" + name + "'");
        }
      } else {
        return InvalidArgumentError(
            path + ": '" + name + "' is a " + PickleKindName(value->kind) +
            ", not a tensor; only checkpoints of tensors (or dicts of them) are read: extract "
            "the state dict, or convert with deploy/weights/convert_to_safetensors.py");
      }
    }
    return Status::Ok();
  }

  StatusOr<at::Tensor> MakeTensor(const PickleNode& node, const std::string& name) {
    const std::string where = file_->path() + ": tensor '" + name + "': ";
    const auto scalar = StorageScalarType(node.storage_type);
    if (!scalar) return InvalidArgumentError(where + "unsupported storage " + node.storage_type);
    const std::string record = "data/" + node.storage_key;
    auto it = storages_.find(record);
    if (it == storages_.end()) {
      if (!reader_.hasRecord(record)) return DataLossError(where + "missing record " + record);
      auto [data, size] = reader_.getRecord(record);
      it = storages_.emplace(record, Storage{std::make_shared<at::DataPtr>(std::move(data)), size})
               .first;
    }
    const Storage& storage = it->second;
    const size_t element = StorageElementSize(node.storage_type);
    if (static_cast<uint64_t>(node.storage_numel) * element != storage.size) {
      return DataLossError(where + record + " holds " + std::to_string(storage.size) +
                           " bytes, not " + std::to_string(node.storage_numel) + " elements");
    }
    // Every element of the view must lie inside the storage.
    uint64_t last = static_cast<uint64_t>(node.storage_offset);
    bool empty = false;
    for (size_t d = 0; d < node.sizes.size(); ++d) {
      if (node.sizes[d] == 0) empty = true;
      uint64_t step = 0;
      if (__builtin_mul_overflow(static_cast<uint64_t>(node.sizes[d] > 0 ? node.sizes[d] - 1 : 0),
                                 static_cast<uint64_t>(node.strides[d]), &step) ||
          __builtin_add_overflow(last, step, &last)) {
        return DataLossError(where + "view overflows");
      }
    }
    const auto options = at::TensorOptions().dtype(*scalar).device(at::kCPU);
    if (empty) return at::empty(node.sizes, options);
    if (last >= static_cast<uint64_t>(node.storage_numel)) {
      return DataLossError(where + "view reaches past its storage of " +
                           std::to_string(node.storage_numel) + " elements");
    }
    char* base = static_cast<char*>(storage.data->get()) + node.storage_offset * element;
    std::shared_ptr<at::DataPtr> keep = storage.data;
    if (*scalar == at::kBool) {  // bytes other than 0/1 are not valid bools
      return ConvertForLoad(
          at::from_blob(base, node.sizes, node.strides, at::TensorOptions().dtype(at::kByte)).ne(0),
          options_);
    }
    return ConvertForLoad(at::from_blob(
                              base, node.sizes, node.strides, [keep](void*) {}, options),
                          options_);
  }

  struct Storage {
    std::shared_ptr<at::DataPtr> data;
    size_t size;
  };

  std::shared_ptr<MappedFile> file_;
  const LoadOptions& options_;
  caffe2::serialize::PyTorchStreamReader reader_;
  std::map<std::string, Storage> storages_;
  std::set<const PickleNode*> walked_;
  StateDict dict_;
};

}  // namespace

std::shared_ptr<caffe2::serialize::ReadAdapterInterface> MakeReadAdapter(
    std::shared_ptr<MappedFile> file) {
  return std::make_shared<MappedReadAdapter>(std::move(file));
}

StatusOr<bool> IsTorchScriptArchive(std::shared_ptr<MappedFile> file) {
  caffe2::serialize::PyTorchStreamReader reader(MakeReadAdapter(file));
  if (reader.hasRecord("constants.pkl")) return true;
  for (const std::string& record : reader.getAllRecords()) {
    if (record.rfind("code/", 0) == 0) return true;
  }
  return false;
}

StatusOr<StateDict> ReadTorchZip(std::shared_ptr<MappedFile> file, const LoadOptions& options) {
  return ZipCheckpointReader(std::move(file), options).Read();
}

}  // namespace clipglass::weights::internal
