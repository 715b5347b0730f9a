// Thin RAII and typed helpers over the HDF5 C API, used by the archive writer and reader.
// Every helper returns a Status naming the object path, so callers never see raw herr_t codes.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "results/archive.h"

namespace clipglass::results::hdf5 {

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// Turns off HDF5's own printing of error stacks; our Statuses say what failed.
void SilenceErrorPrinting();

StatusOr<Handle> CreateGroup(hid_t parent, const std::string& name);
StatusOr<Handle> OpenGroup(hid_t parent, const std::string& name);
bool Exists(hid_t parent, const std::string& name);
// Names of the links directly under a group, in creation (or name) order.
StatusOr<std::vector<std::string>> ListChildren(hid_t group);

Status WriteAttribute(hid_t object, const std::string& name, const AttributeValue& value);
Status WriteAttributes(hid_t object, const Attributes& attributes);
StatusOr<AttributeValue> ReadAttribute(hid_t object, const std::string& name);
StatusOr<Attributes> ReadAllAttributes(hid_t object);

// Scalar variable-length UTF-8 string dataset (e.g. YAML text).
Status WriteString(hid_t parent, const std::string& name, const std::string& text);
StatusOr<std::string> ReadString(hid_t parent, const std::string& name);
// 1-D dataset of variable-length UTF-8 strings.
Status WriteStrings(hid_t parent, const std::string& name, const std::vector<std::string>& items);
StatusOr<std::vector<std::string>> ReadStrings(hid_t parent, const std::string& name);

// Numeric datasets with shape `dims` (row-major). Large ones are chunked and deflate-compressed.
Status WriteDoubles(hid_t parent, const std::string& name, const std::vector<double>& data,
                    const std::vector<hsize_t>& dims);
Status WriteInt32s(hid_t parent, const std::string& name, const std::vector<int32_t>& data);
Status WriteInt64s(hid_t parent, const std::string& name, const std::vector<int64_t>& data);
Status WriteBytes(hid_t parent, const std::string& name, const std::vector<uint8_t>& data);
// Reads a numeric dataset, converting to the requested type; `dims` receives its shape.
StatusOr<std::vector<double>> ReadDoubles(hid_t parent, const std::string& name,
                                          std::vector<hsize_t>* dims = nullptr);
StatusOr<std::vector<int32_t>> ReadInt32s(hid_t parent, const std::string& name);
StatusOr<std::vector<int64_t>> ReadInt64s(hid_t parent, const std::string& name);
StatusOr<std::vector<uint8_t>> ReadBytes(hid_t parent, const std::string& name);

// 8-bit RGB image with the HDF5 image convention (CLASS=IMAGE), which generic viewers show.
Status WriteImage(hid_t parent, const std::string& name, const Image& image);
StatusOr<Image> ReadImage(hid_t parent, const std::string& name);

// "file.h5:/runs/0001/stats" for messages.
std::string ObjectPath(hid_t object, const std::string& child = "");

}  // namespace clipglass::results::hdf5
