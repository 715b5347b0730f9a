// Internal to clipglass_weights: one reader per container format, behind LoadStateDict.
#pragma once

#include <memory>

#include "worker/weights/mapped_file.h"
#include "worker/weights/state_dict.h"

namespace caffe2::serialize {
class ReadAdapterInterface;
}

namespace clipglass::weights::internal {

// LibTorch's zip readers (PyTorchStreamReader, torch::jit::load) reading from the mapping.
std::shared_ptr<caffe2::serialize::ReadAdapterInterface> MakeReadAdapter(
    std::shared_ptr<MappedFile> file);

// Each reader returns every tensor of the file, converted per `options.float_dtype`;
// LoadStateDict applies `options.sub_dict` afterwards (except for nested zip dicts, where the
// zip reader has already selected the entry).
StatusOr<StateDict> ReadSafetensors(std::shared_ptr<MappedFile> file, const LoadOptions& options);
StatusOr<StateDict> ReadTorchZip(std::shared_ptr<MappedFile> file, const LoadOptions& options);
StatusOr<StateDict> ReadTorchScript(std::shared_ptr<MappedFile> file, const LoadOptions& options);

// True if the zip archive holds TorchScript code (a `constants.pkl` or `code/` record).
StatusOr<bool> IsTorchScriptArchive(std::shared_ptr<MappedFile> file);

// The tensor in the requested dtype: floating types become `options.float_dtype`, others keep
// theirs; always contiguous.
at::Tensor ConvertForLoad(const at::Tensor& tensor, const LoadOptions& options);

}  // namespace clipglass::weights::internal
