// libFuzzer target: any byte string through the safetensors validator. An accepted file must
// keep every tensor inside the input, and re-serialising it must give a file that parses to the
// same entries; anything else must be a clean error. Run by deploy/fuzz.sh.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "worker/weights/safetensors_format.h"

namespace cw = clipglass::weights;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  auto header = cw::ParseSafetensors(file, "fuzz");
  if (!header.ok()) return 0;

  std::vector<cw::SafetensorsBlob> blobs;
  for (const cw::SafetensorsEntry& e : header->entries) {
    if (e.begin > e.end || header->data_offset + e.end > size) std::abort();
    blobs.push_back(
        {e.name, e.dtype, e.shape, file.substr(header->data_offset + e.begin, e.end - e.begin)});
  }
  auto image = cw::SerializeSafetensors(blobs, header->metadata);
  if (!image.ok()) std::abort();
  auto again = cw::ParseSafetensors(*image, "fuzz-roundtrip");
  if (!again.ok() || again->entries.size() != header->entries.size() ||
      again->metadata != header->metadata) {
    std::abort();
  }
  return 0;
}
