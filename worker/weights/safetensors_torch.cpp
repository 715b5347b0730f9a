// safetensors <-> LibTorch: zero-copy views of the mapped file where dtype and alignment allow.
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>

#include <bit>
#include <cstring>

#include "worker/weights/checkpoint_readers.h"
#include "worker/weights/safetensors_format.h"

namespace clipglass::weights {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

at::ScalarType ToScalarType(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::kF64:
      return at::kDouble;
    case SafetensorsDtype::kF32:
      return at::kFloat;
    case SafetensorsDtype::kF16:
      return at::kHalf;
    case SafetensorsDtype::kBF16:
      return at::kBFloat16;
    case SafetensorsDtype::kI64:
      return at::kLong;
    case SafetensorsDtype::kI32:
      return at::kInt;
    case SafetensorsDtype::kI16:
      return at::kShort;
    case SafetensorsDtype::kI8:
      return at::kChar;
    case SafetensorsDtype::kU8:
      return at::kByte;
    case SafetensorsDtype::kBool:
      return at::kBool;
  }
  return at::kFloat;
}

std::optional<SafetensorsDtype> FromScalarType(at::ScalarType type) {
  switch (type) {
    case at::kDouble:
      return SafetensorsDtype::kF64;
    case at::kFloat:
      return SafetensorsDtype::kF32;
    case at::kHalf:
      return SafetensorsDtype::kF16;
    case at::kBFloat16:
      return SafetensorsDtype::kBF16;
    case at::kLong:
      return SafetensorsDtype::kI64;
    case at::kInt:
      return SafetensorsDtype::kI32;
    case at::kShort:
      return SafetensorsDtype::kI16;
    case at::kChar:
      return SafetensorsDtype::kI8;
    case at::kByte:
      return SafetensorsDtype::kU8;
    case at::kBool:
      return SafetensorsDtype::kBool;
    default:
      return std::nullopt;
  }
}

}  // namespace

namespace internal {

at::Tensor ConvertForLoad(const at::Tensor& tensor, const LoadOptions& options) {
  if (at::isFloatingType(tensor.scalar_type()) && tensor.scalar_type() != options.float_dtype) {
    return tensor.to(options.float_dtype).contiguous();
  }
  return tensor.contiguous();
}

StatusOr<StateDict> ReadSafetensors(std::shared_ptr<MappedFile> file, const LoadOptions& options) {
  CG_ASSIGN_OR_RETURN(SafetensorsHeader header, ParseSafetensors(file->view(), file->path()));
  StateDict dict;
  dict.source = file->path();
  dict.format = CheckpointFormat::kSafetensors;
  dict.metadata = std::move(header.metadata);
  for (const SafetensorsEntry& entry : header.entries) {
    const at::ScalarType type = ToScalarType(entry.dtype);
    const auto cpu = at::TensorOptions().dtype(type).device(at::kCPU);
    char* data = file->data() + header.data_offset + entry.begin;
    const size_t bytes = entry.end - entry.begin;
    at::Tensor tensor;
    if (bytes == 0) {
      tensor = at::empty(entry.shape, cpu);
    } else if (entry.dtype == SafetensorsDtype::kBool) {
      // Any byte other than 0/1 would be an invalid bool: normalise through U8.
      tensor = at::from_blob(data, entry.shape, at::TensorOptions().dtype(at::kByte)).ne(0);
    } else if (reinterpret_cast<uintptr_t>(data) % SafetensorsDtypeSize(entry.dtype) == 0) {
      // Zero-copy: the tensor keeps the mapping alive through its deleter.
      tensor = at::from_blob(
          data, entry.shape, [file](void*) {}, cpu);
    } else {
      // Misaligned for its dtype: aliasing it would be undefined behaviour, so copy.
      tensor = at::empty(entry.shape, cpu);
      std::memcpy(tensor.data_ptr(), data, bytes);
    }
    dict.tensors.emplace(entry.name, ConvertForLoad(tensor, options));
  }
  return dict;
}

}  // namespace internal

Status SaveSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<at::Tensor> keep;  // contiguous CPU copies outlive the blobs that view them
  std::vector<SafetensorsBlob> blobs;
  keep.reserve(tensors.size());
  blobs.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.defined())
      return InvalidArgumentError(path + ": tensor '" + name + "' is undefined");
    const auto dtype = FromScalarType(tensor.scalar_type());
    if (!dtype) {
      return InvalidArgumentError(path + ": tensor '" + name + "' has unsupported dtype " +
                                  std::string(c10::toString(tensor.scalar_type())));
    }
    keep.push_back(tensor.detach().to(at::kCPU).contiguous());
    const at::Tensor& t = keep.back();
    SafetensorsBlob blob;
    blob.name = name;
    blob.dtype = *dtype;
    blob.shape.assign(t.sizes().begin(), t.sizes().end());
    blob.bytes = std::string_view(static_cast<const char*>(t.data_ptr()), t.nbytes());
    blobs.push_back(std::move(blob));
  }
  return WriteSafetensorsFile(path, blobs, metadata);
}

}  // namespace clipglass::weights
