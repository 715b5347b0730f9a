#include "worker/weights/safetensors_format.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace clipglass::weights {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kMetadataKey = "__metadata__";

struct DtypeInfo {
  SafetensorsDtype dtype;
  const char* name;
  size_t size;
};
constexpr DtypeInfo kDtypes[] = {
    {SafetensorsDtype::kF64, "F64", 8}, {SafetensorsDtype::kF32, "F32", 4},
    {SafetensorsDtype::kF16, "F16", 2}, {SafetensorsDtype::kBF16, "BF16", 2},
    {SafetensorsDtype::kI64, "I64", 8}, {SafetensorsDtype::kI32, "I32", 4},
    {SafetensorsDtype::kI16, "I16", 2}, {SafetensorsDtype::kI8, "I8", 1},
    {SafetensorsDtype::kU8, "U8", 1},   {SafetensorsDtype::kBool, "BOOL", 1},
};

const DtypeInfo& Info(SafetensorsDtype dtype) {
  for (const DtypeInfo& info : kDtypes) {
    if (info.dtype == dtype) return info;
  }
  return kDtypes[0];  // unreachable: every enumerator is listed
}

uint64_t ReadLe64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void AppendLe64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). nlohmann already checks raw bytes in
// strings; this is the second line of defence for names that reach error messages and maps.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

Status NameError(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("empty tensor name");
  if (!IsValidUtf8(name)) return InvalidArgumentError("tensor name is not valid UTF-8");
  if (name.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("tensor name contains a NUL character");
  }
  return Status::Ok();
}

// A name safe to print: invalid UTF-8 and control bytes as \xNN.
std::string Printable(std::string_view s) {
  std::string out;
  const bool utf8 = IsValidUtf8(s);
  for (char ch : s.substr(0, 200)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80)) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  if (s.size() > 200) out += "...";
  return out;
}

// Reads a non-negative JSON integer that fits in int64.
std::optional<uint64_t> AsIndex(const Json& j) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<uint64_t>();
    if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return v;
    return std::nullopt;
  }
  if (j.is_number_integer()) {
    const auto v = j.get<int64_t>();
    if (v >= 0) return static_cast<uint64_t>(v);
  }
  return std::nullopt;
}

// Fills `entry` from one header value; the returned message has no file or key (the caller adds).
std::optional<std::string> ParseEntry(const Json& value, uint64_t data_size,
                                      SafetensorsEntry* entry) {
  if (!value.is_object()) return "entry is not a JSON object";
  for (const auto& [field, unused] : value.items()) {
    if (field != "dtype" && field != "shape" && field != "data_offsets") {
      return "unknown field '" + Printable(field) + "'";
    }
  }
  const auto dtype_it = value.find("dtype");
  if (dtype_it == value.end()) return "missing \"dtype\"";
  if (!dtype_it->is_string()) return "\"dtype\" is not a string";
  const auto dtype = ParseSafetensorsDtype(dtype_it->get_ref<const std::string&>());
  if (!dtype) {
    return "unsupported dtype '" + Printable(dtype_it->get_ref<const std::string&>()) +
           "' (known: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)";
  }
  entry->dtype = *dtype;

  const auto shape_it = value.find("shape");
  if (shape_it == value.end()) return "missing \"shape\"";
  if (!shape_it->is_array()) return "\"shape\" is not an array";
  if (shape_it->size() > 64) return "\"shape\" has more than 64 dimensions";
  uint64_t numel = 1;
  bool overflow = false;
  for (const Json& dim : *shape_it) {
    const auto d = AsIndex(dim);
    if (!d) return "\"shape\" holds something other than a non-negative integer";
    entry->shape.push_back(static_cast<int64_t>(*d));
    overflow = overflow || __builtin_mul_overflow(numel, *d, &numel);
  }

  const auto offsets_it = value.find("data_offsets");
  if (offsets_it == value.end()) return "missing \"data_offsets\"";
  if (!offsets_it->is_array() || offsets_it->size() != 2) {
    return "\"data_offsets\" is not an array of two integers";
  }
  const auto begin = AsIndex((*offsets_it)[0]);
  const auto end = AsIndex((*offsets_it)[1]);
  if (!begin || !end) return "\"data_offsets\" holds something other than non-negative integers";
  if (*begin > *end) {
    return "data_offsets [" + std::to_string(*begin) + ", " + std::to_string(*end) +
           "] has begin > end";
  }
  if (*end > data_size) {
    return "data_offsets [" + std::to_string(*begin) + ", " + std::to_string(*end) +
           "] end past the data area (" + std::to_string(data_size) + " bytes)";
  }
  entry->begin = *begin;
  entry->end = *end;

  uint64_t bytes = 0;
  overflow = overflow || __builtin_mul_overflow(numel, SafetensorsDtypeSize(*dtype), &bytes);
  if (overflow || bytes != *end - *begin) {
    std::string shape = "[";
    for (size_t i = 0; i < entry->shape.size(); ++i) {
      shape += (i ? ", " : "") + std::to_string(entry->shape[i]);
    }
    shape += "]";
    return "shape " + shape + " x " + SafetensorsDtypeName(*dtype) + " does not match the " +
           std::to_string(*end - *begin) + "-byte span of data_offsets";
  }
  return std::nullopt;
}

struct Layout {
  std::string prefix;         // length + padded JSON header
  std::vector<size_t> order;  // blob indices in data order
};

StatusOr<Layout> BuildLayout(const std::vector<SafetensorsBlob>& blobs,
                             const std::map<std::string, std::string>& metadata) {
  Layout layout;
  layout.order.resize(blobs.size());
  for (size_t i = 0; i < blobs.size(); ++i) layout.order[i] = i;
  std::sort(layout.order.begin(), layout.order.end(), [&](size_t a, size_t b) {
    const size_t sa = SafetensorsDtypeSize(blobs[a].dtype);
    const size_t sb = SafetensorsDtypeSize(blobs[b].dtype);
    if (sa != sb) return sa > sb;
    return blobs[a].name < blobs[b].name;
  });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) {
      if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
        return InvalidArgumentError("metadata '" + Printable(k) + "' is not valid UTF-8");
      }
      meta[k] = v;
    }
    header[std::string(kMetadataKey)] = std::move(meta);
  }
  std::set<std::string_view> seen;
  uint64_t offset = 0;
  for (size_t index : layout.order) {
    const SafetensorsBlob& blob = blobs[index];
    Status name_status = NameError(blob.name);
    if (!name_status.ok()) return name_status.WithContext("'" + Printable(blob.name) + "'");
    if (blob.name == kMetadataKey || !seen.insert(blob.name).second) {
      return InvalidArgumentError("duplicate or reserved tensor name '" + blob.name + "'");
    }
    uint64_t numel = 1;
    for (int64_t d : blob.shape) {
      if (d < 0) return InvalidArgumentError("'" + blob.name + "': negative dimension");
      numel *= static_cast<uint64_t>(d);
    }
    if (numel * SafetensorsDtypeSize(blob.dtype) != blob.bytes.size()) {
      return InvalidArgumentError("'" + blob.name + "': " + std::to_string(blob.bytes.size()) +
                                  " bytes do not match its shape and dtype");
    }
    header[blob.name] = {{"dtype", SafetensorsDtypeName(blob.dtype)},
                         {"shape", blob.shape},
                         {"data_offsets", {offset, offset + blob.bytes.size()}}};
    offset += blob.bytes.size();
  }
  std::string json = header.dump();
  // Pad with spaces (valid JSON whitespace) so the data area starts on an 8-byte boundary.
  while ((8 + json.size()) % 8 != 0) json.push_back(' ');
  AppendLe64(json.size(), &layout.prefix);
  layout.prefix += json;
  return layout;
}

}  // namespace

const char* SafetensorsDtypeName(SafetensorsDtype dtype) { return Info(dtype).name; }

size_t SafetensorsDtypeSize(SafetensorsDtype dtype) { return Info(dtype).size; }

std::optional<SafetensorsDtype> ParseSafetensorsDtype(std::string_view name) {
  for (const DtypeInfo& info : kDtypes) {
    if (name == info.name) return info.dtype;
  }
  return std::nullopt;
}

bool LooksLikeSafetensors(std::string_view file) {
  // No other supported format has '{' at byte 8 (zip starts "PK", a pickle 0x80), so a
  // truncated or corrupt safetensors file still gets the parser's precise error.
  return file.size() >= 9 && file[8] == '{';
}

StatusOr<SafetensorsHeader> ParseSafetensors(std::string_view file, const std::string& source) {
  const std::string where = source + ": safetensors: ";
  if (file.size() < 8) {
    return DataLossError(where + "file is " + std::to_string(file.size()) +
                         " bytes, shorter than the 8-byte header length");
  }
  const uint64_t header_len = ReadLe64(file.data());
  if (header_len > file.size() - 8) {
    return DataLossError(where + "header length " + std::to_string(header_len) +
                         " exceeds the file size " + std::to_string(file.size()));
  }
  if (header_len > kMaxSafetensorsHeaderBytes) {
    return DataLossError(where + "header length " + std::to_string(header_len) +
                         " exceeds the 100 MiB limit");
  }
  const std::string_view text = file.substr(8, header_len);
  if (text.empty() || text[0] != '{') {
    return DataLossError(where + "header does not start with '{'");
  }

  // Duplicate keys are an error (nlohmann would silently keep the last one): track the keys of
  // every open object through the parser callback.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  const auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() && duplicate.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default:
        break;
    }
    return depth <= 3;  // deeper values are dropped: no valid header nests more than 3 levels
  };
  Json header;
  try {
    header = Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::exception& e) {
    return DataLossError(where + "header is not valid JSON: " + Printable(e.what()));
  }
  if (!duplicate.empty()) {
    return DataLossError(where + "duplicate key '" + Printable(duplicate) + "'");
  }
  if (!header.is_object()) return DataLossError(where + "header is not a JSON object");

  SafetensorsHeader result;
  result.data_offset = 8 + header_len;
  const uint64_t data_size = file.size() - result.data_offset;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      if (!value.is_object()) return DataLossError(where + "__metadata__ is not an object");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) {
          return DataLossError(where + "__metadata__ '" + Printable(mk) + "' is not a string");
        }
        result.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    const Status name_status = NameError(key);
    if (!name_status.ok()) {
      return DataLossError(where + "tensor '" + Printable(key) + "': " + name_status.message());
    }
    SafetensorsEntry entry;
    entry.name = key;
    if (auto error = ParseEntry(value, data_size, &entry)) {
      return DataLossError(where + "tensor '" + Printable(key) + "': " + *error);
    }
    result.entries.push_back(std::move(entry));
  }
  std::sort(result.entries.begin(), result.entries.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  for (size_t i = 1; i < result.entries.size(); ++i) {
    const SafetensorsEntry& prev = result.entries[i - 1];
    const SafetensorsEntry& cur = result.entries[i];
    if (cur.begin < prev.end) {
      return DataLossError(where + "tensor '" + Printable(cur.name) + "' overlaps tensor '" +
                           Printable(prev.name) + "' in the data area");
    }
  }
  return result;
}

StatusOr<std::string> SerializeSafetensors(const std::vector<SafetensorsBlob>& blobs,
                                           const std::map<std::string, std::string>& metadata) {
  CG_ASSIGN_OR_RETURN(Layout layout, BuildLayout(blobs, metadata));
  std::string out = std::move(layout.prefix);
  for (size_t index : layout.order) out.append(blobs[index].bytes);
  return out;
}

Status WriteSafetensorsFile(const std::string& path, const std::vector<SafetensorsBlob>& blobs,
                            const std::map<std::string, std::string>& metadata) {
  StatusOr<Layout> layout = BuildLayout(blobs, metadata);
  if (!layout.ok()) return layout.status().WithContext(path);
  // Streamed (not built in memory) so a large model is not held twice.
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return UnavailableError(tmp + ": cannot create: " + std::strerror(errno));
  bool ok =
      std::fwrite(layout->prefix.data(), 1, layout->prefix.size(), f) == layout->prefix.size();
  for (size_t index : layout->order) {
    const std::string_view bytes = blobs[index].bytes;
    ok = ok && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  }
  ok = ok && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return UnavailableError(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return UnavailableError(path + ": rename failed: " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace clipglass::weights
