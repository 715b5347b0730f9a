// TorchScript archives (OpenAI's CLIP .pt): parameters and buffers by name. torch::jit::load
// compiles the archive's code but nothing here ever calls it.
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include "worker/weights/checkpoint_readers.h"

namespace clipglass::weights::internal {

StatusOr<StateDict> ReadTorchScript(std::shared_ptr<MappedFile> file, const LoadOptions& options) {
  torch::jit::Module module = torch::jit::load(MakeReadAdapter(file), at::Device(at::kCPU));
  StateDict dict;
  dict.source = file->path();
  dict.format = CheckpointFormat::kTorchScript;
  const auto add = [&](const std::string& name, const at::Tensor& value) -> Status {
    if (!value.defined()) return Status::Ok();
    if (!dict.tensors.emplace(name, ConvertForLoad(value.detach(), options)).second) {
      return DataLossError(file->path() + ": duplicate tensor name '" + name + "'");
    }
    return Status::Ok();
  };
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    CG_RETURN_IF_ERROR(add(p.name, p.value));
  }
  for (const auto& b : module.named_buffers(/*recurse=*/true)) {
    CG_RETURN_IF_ERROR(add(b.name, b.value));
  }
  return dict;
}

}  // namespace clipglass::weights::internal
