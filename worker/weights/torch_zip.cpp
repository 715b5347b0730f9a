#include "worker/weights/checkpoint_readers.h"

namespace clipglass::weights::internal {

StatusOr<bool> IsTorchScriptArchive(std::shared_ptr<MappedFile> file) { return false; }

StatusOr<StateDict> ReadTorchZip(std::shared_ptr<MappedFile> file, const LoadOptions& options) {
  return UnimplementedError(file->path() + ": torch zip checkpoints: not yet");
}

StatusOr<StateDict> ReadTorchScript(std::shared_ptr<MappedFile> file, const LoadOptions& options) {
  return UnimplementedError(file->path() + ": TorchScript: not yet");
}

}  // namespace clipglass::weights::internal
