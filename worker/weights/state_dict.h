// Checkpoints as name -> tensor maps, read by the ORIGINAL key names, and strict loading into
// modules whose parameters are registered under those same names.
//
// Formats (told apart by content, not extension): safetensors, PyTorch zip checkpoints that hold
// only tensors (a state dict, or a dict of state dicts such as {"G_ema": ..., "D": ...}), and
// TorchScript archives (parameters and buffers taken by name; their code is never run).
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace torch::nn {
class Module;
}

namespace clipglass::weights {

enum class CheckpointFormat { kSafetensors, kTorchZip, kTorchScript };
const char* CheckpointFormatName(CheckpointFormat format);

// Every tensor of one checkpoint, on CPU, contiguous.
struct StateDict {
  std::string source;  // the file it came from, for error messages
  CheckpointFormat format = CheckpointFormat::kSafetensors;
  std::map<std::string, at::Tensor> tensors;
  std::map<std::string, std::string> metadata;  // safetensors "__metadata__"; empty otherwise

  bool Has(const std::string& key) const { return tensors.count(key) != 0; }
  // The tensor, or NotFound naming the source and the key.
  StatusOr<at::Tensor> Get(const std::string& key) const;
  // Number of consecutive indices i = 0, 1, ... for which some key starts with `prefix + i + "."`
  // (e.g. CountIndexed("visual.transformer.resblocks.") is the number of vision layers).
  int CountIndexed(const std::string& prefix) const;
  // A copy holding only the keys that start with `prefix`, with the prefix removed.
  StateDict WithPrefixRemoved(const std::string& prefix) const;
};

struct LoadOptions {
  // Floating-point tensors (F16, BF16, F32, F64) are converted to this dtype on load.
  // Integer and bool tensors keep their dtype.
  at::ScalarType float_dtype = at::kFloat;
  // For a zip checkpoint that is a dict of state dicts: which entry to take (e.g. "G_ema").
  // Empty: a dict of state dicts is flattened to "entry.key" names.
  std::string sub_dict;
};

// Reads any supported checkpoint. Errors name the file and, where there is one, the key.
StatusOr<StateDict> LoadStateDict(const std::string& path, const LoadOptions& options = {});

// Copies dict tensors into the module's parameters and buffers of the same names (the module is
// built with the checkpoint's naming). Errors, naming the key and both shapes: a parameter or
// buffer with no tensor in the dict; a shape mismatch; a dict key that matches no parameter or
// buffer, unless it matches one of the `ignored` regular expressions (ECMAScript, whole-key match;
// e.g. "h\\.[0-9]+\\.attn\\.bias" for GPT-2's constant causal masks).
Status LoadIntoModule(torch::nn::Module& module, const StateDict& dict,
                      const std::vector<std::string>& ignored = {});

// Writes tensors (any supported dtype, made contiguous on CPU) as a safetensors file with a
// `__metadata__` map; written to a temporary file and renamed, so a crash leaves no partial file.
Status SaveSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace clipglass::weights
