#include "worker/weights/state_dict.h"

#include <string_view>

#include "worker/weights/checkpoint_readers.h"
#include "worker/weights/safetensors_format.h"

namespace clipglass::weights {
namespace {

constexpr std::string_view kZipMagic = "PK\x03\x04";
constexpr char kConverter[] = "deploy/weights/convert_to_safetensors.py";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

const char* CheckpointFormatName(CheckpointFormat format) {
  switch (format) {
    case CheckpointFormat::kSafetensors:
      return "safetensors";
    case CheckpointFormat::kTorchZip:
      return "torch zip checkpoint";
    case CheckpointFormat::kTorchScript:
      return "TorchScript archive";
  }
  return "unknown";
}

StatusOr<at::Tensor> StateDict::Get(const std::string& key) const {
  const auto it = tensors.find(key);
  if (it == tensors.end()) return NotFoundError(source + ": no tensor '" + key + "'");
  return it->second;
}

int StateDict::CountIndexed(const std::string& prefix) const {
  int count = 0;
  while (true) {
    const std::string stem = prefix + std::to_string(count) + ".";
    const auto it = tensors.lower_bound(stem);
    if (it == tensors.end() || !StartsWith(it->first, stem)) return count;
    ++count;
  }
}

StateDict StateDict::WithPrefixRemoved(const std::string& prefix) const {
  StateDict out;
  out.source = source;
  out.format = format;
  out.metadata = metadata;
  for (auto it = tensors.lower_bound(prefix); it != tensors.end() && StartsWith(it->first, prefix);
       ++it) {
    out.tensors.emplace(it->first.substr(prefix.size()), it->second);
  }
  return out;
}

StatusOr<StateDict> LoadStateDict(const std::string& path, const LoadOptions& options) {
  CG_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(path));
  const std::string_view bytes = file->view();
  StatusOr<StateDict> dict = DataLossError("unreachable");
  bool sub_dict_done = false;
  try {
    if (StartsWith(bytes, kZipMagic)) {
      CG_ASSIGN_OR_RETURN(const bool torchscript, internal::IsTorchScriptArchive(file));
      if (torchscript) {
        dict = internal::ReadTorchScript(file, options);
      } else {
        dict = internal::ReadTorchZip(file, options);
        sub_dict_done = true;
      }
    } else if (LooksLikeSafetensors(bytes)) {
      dict = internal::ReadSafetensors(file, options);
    } else if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x80) {
      // Pickle protocol marker: a legacy torch.save file or an NVIDIA .pkl.
      return InvalidArgumentError(path +
                                  ": a legacy (non-zip) Python pickle; it cannot be read safely "
                                  "from C++: convert it with " +
                                  kConverter);
    } else {
      return InvalidArgumentError(
          path +
          ": not a checkpoint (expected safetensors, a torch zip checkpoint or a "
          "TorchScript archive); other formats: convert with " +
          kConverter);
    }
  } catch (const std::exception& e) {
    // LibTorch reports bad archives by throwing; keep it one line.
    std::string what = e.what();
    if (const size_t nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
    return DataLossError(path + ": " + what);
  }
  if (!dict.ok() || options.sub_dict.empty() || sub_dict_done) return dict;
  StateDict selected = dict->WithPrefixRemoved(options.sub_dict + ".");
  if (selected.tensors.empty()) {
    return NotFoundError(path + ": no tensor under sub_dict '" + options.sub_dict + ".'");
  }
  return selected;
}

}  // namespace clipglass::weights
