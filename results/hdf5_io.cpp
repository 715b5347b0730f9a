#include "results/hdf5_io.h"

#include <hdf5_hl.h>

#include <cstring>

namespace clipglass::results::hdf5 {
namespace {

// Datasets at least this large (elements) are chunked and compressed.
constexpr hsize_t kCompressMinElements = 4096;

Handle Owned(hid_t id, Handle::Closer closer) { return Handle(id, closer); }

Handle Utf8StringType() {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return Owned(type, H5Tclose);
}

Status Fail(hid_t object, const std::string& child, const std::string& what) {
  return DataLossError(ObjectPath(object, child) + ": " + what);
}

// A dataset creation property list: chunked + deflate for large datasets, default otherwise.
Handle CreationProperties(const std::vector<hsize_t>& dims) {
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
  if (total >= kCompressMinElements && !dims.empty()) {
    std::vector<hsize_t> chunk = dims;
    // Chunks of whole rows, about 64k elements each.
    hsize_t row = 1;
    for (size_t i = 1; i < dims.size(); ++i) row *= dims[i];
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], 65536 / std::max<hsize_t>(1, row)));
    H5Pset_chunk(plist, static_cast<int>(chunk.size()), chunk.data());
    H5Pset_shuffle(plist);
    H5Pset_deflate(plist, 4);
  }
  return Owned(plist, H5Pclose);
}

Status WriteNumeric(hid_t parent, const std::string& name, hid_t mem_type, hid_t file_type,
                    const void* data, std::vector<hsize_t> dims) {
  Handle space =
      Owned(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle props = CreationProperties(dims);
  Handle dataset = Owned(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                    props.get(), H5P_DEFAULT),
                         H5Dclose);
  if (!dataset.valid()) return Fail(parent, name, "cannot create dataset");
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  if (total > 0 && H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    return Fail(parent, name, "cannot write dataset");
  }
  return Status::Ok();
}

template <typename T>
StatusOr<std::vector<T>> ReadNumeric(hid_t parent, const std::string& name, hid_t mem_type,
                                     std::vector<hsize_t>* dims_out) {
  if (!Exists(parent, name)) return Fail(parent, name, "missing dataset");
  Handle dataset = Owned(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) return Fail(parent, name, "cannot open dataset");
  Handle space = Owned(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) return Fail(parent, name, "bad dataspace");
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  std::vector<T> data(total);
  if (total > 0 &&
      H5Dread(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0) {
    return Fail(parent, name, "cannot read dataset as the expected numeric type");
  }
  if (dims_out != nullptr) *dims_out = dims;
  return data;
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = other.id_;
    closer_ = other.closer_;
    other.id_ = -1;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0 && closer_ != nullptr) closer_(id_);
}

void SilenceErrorPrinting() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string ObjectPath(hid_t object, const std::string& child) {
  char file[1024] = {0};
  char path[1024] = {0};
  H5Fget_name(object, file, sizeof(file));
  H5Iget_name(object, path, sizeof(path));
  std::string result = std::string(file) + ":" + path;
  if (!child.empty()) result += (result.back() == '/' ? "" : "/") + child;
  return result;
}

StatusOr<Handle> CreateGroup(hid_t parent, const std::string& name) {
  Handle group =
      Owned(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!group.valid()) return Fail(parent, name, "cannot create group");
  return group;
}

StatusOr<Handle> OpenGroup(hid_t parent, const std::string& name) {
  if (!Exists(parent, name)) return Fail(parent, name, "missing group");
  Handle group = Owned(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.valid()) return Fail(parent, name, "cannot open group");
  return group;
}

bool Exists(hid_t parent, const std::string& name) {
  return H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0;
}

StatusOr<std::vector<std::string>> ListChildren(hid_t group) {
  H5G_info_t info;
  if (H5Gget_info(group, &info) < 0) return Fail(group, "", "cannot list group");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) return Fail(group, "", "cannot read a link name");
    std::string name(static_cast<size_t>(size), '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

Status WriteAttribute(hid_t object, const std::string& name, const AttributeValue& value) {
  Handle space = Owned(H5Screate(H5S_SCALAR), H5Sclose);
  Handle string_type = Utf8StringType();
  hid_t file_type = H5T_STD_I64LE;
  hid_t mem_type = H5T_NATIVE_INT64;
  const void* data = nullptr;
  const char* text = nullptr;
  if (const auto* i = std::get_if<int64_t>(&value)) {
    data = i;
  } else if (const auto* d = std::get_if<double>(&value)) {
    file_type = H5T_IEEE_F64LE;
    mem_type = H5T_NATIVE_DOUBLE;
    data = d;
  } else {
    text = std::get<std::string>(value).c_str();
    file_type = string_type.get();
    mem_type = string_type.get();
    data = &text;
  }
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Handle attribute = Owned(
      H5Acreate2(object, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid() || H5Awrite(attribute.get(), mem_type, data) < 0) {
    return Fail(object, "@" + name, "cannot write attribute");
  }
  return Status::Ok();
}

Status WriteAttributes(hid_t object, const Attributes& attributes) {
  for (const auto& [name, value] : attributes)
    CG_RETURN_IF_ERROR(WriteAttribute(object, name, value));
  return Status::Ok();
}

StatusOr<AttributeValue> ReadAttribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) return Fail(object, "@" + name, "missing attribute");
  Handle attribute = Owned(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle type = Owned(H5Aget_type(attribute.get()), H5Tclose);
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      int64_t v = 0;
      if (H5Aread(attribute.get(), H5T_NATIVE_INT64, &v) < 0) break;
      return AttributeValue(v);
    }
    case H5T_FLOAT: {
      double v = 0;
      if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &v) < 0) break;
      return AttributeValue(v);
    }
    case H5T_STRING: {
      if (H5Tis_variable_str(type.get()) > 0) {
        Handle mem = Utf8StringType();
        char* text = nullptr;
        if (H5Aread(attribute.get(), mem.get(), &text) < 0) break;
        std::string value = text != nullptr ? text : "";
        H5free_memory(text);
        return AttributeValue(value);
      }
      const size_t size = H5Tget_size(type.get());
      std::string value(size, '\0');
      if (H5Aread(attribute.get(), type.get(), value.data()) < 0) break;
      value.resize(std::strlen(value.c_str()));
      return AttributeValue(value);
    }
    default:
      break;
  }
  return Fail(object, "@" + name, "unsupported or unreadable attribute type");
}

StatusOr<Attributes> ReadAllAttributes(hid_t object) {
  H5O_info_t info;
  if (H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS) < 0) return Fail(object, "", "no info");
  Attributes attributes;
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    const ssize_t size =
        H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) return Fail(object, "", "cannot read an attribute name");
    std::string name(static_cast<size_t>(size), '\0');
    H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1,
                       H5P_DEFAULT);
    CG_ASSIGN_OR_RETURN(AttributeValue value, ReadAttribute(object, name));
    attributes[name] = std::move(value);
  }
  return attributes;
}

Status WriteString(hid_t parent, const std::string& name, const std::string& text) {
  Handle type = Utf8StringType();
  Handle space = Owned(H5Screate(H5S_SCALAR), H5Sclose);
  Handle dataset = Owned(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Dclose);
  const char* data = text.c_str();
  if (!dataset.valid() ||
      H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &data) < 0) {
    return Fail(parent, name, "cannot write string");
  }
  return Status::Ok();
}

StatusOr<std::string> ReadString(hid_t parent, const std::string& name) {
  CG_ASSIGN_OR_RETURN(std::vector<std::string> items, ReadStrings(parent, name));
  if (items.size() != 1) return Fail(parent, name, "expected one string");
  return items[0];
}

Status WriteStrings(hid_t parent, const std::string& name, const std::vector<std::string>& items) {
  Handle type = Utf8StringType();
  const hsize_t count = items.size();
  Handle space = Owned(H5Screate_simple(1, &count, nullptr), H5Sclose);
  Handle dataset = Owned(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Dclose);
  std::vector<const char*> pointers;
  for (const std::string& item : items) pointers.push_back(item.c_str());
  if (!dataset.valid() || (count > 0 && H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL,
                                                 H5P_DEFAULT, pointers.data()) < 0)) {
    return Fail(parent, name, "cannot write strings");
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> ReadStrings(hid_t parent, const std::string& name) {
  if (!Exists(parent, name)) return Fail(parent, name, "missing dataset");
  Handle dataset = Owned(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space = Owned(H5Dget_space(dataset.get()), H5Sclose);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  Handle file_type = Owned(H5Dget_type(dataset.get()), H5Tclose);
  if (count < 0 || H5Tget_class(file_type.get()) != H5T_STRING ||
      H5Tis_variable_str(file_type.get()) <= 0) {
    return Fail(parent, name, "not a variable-length string dataset");
  }
  Handle type = Utf8StringType();
  std::vector<char*> pointers(static_cast<size_t>(count), nullptr);
  if (count > 0 &&
      H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0) {
    return Fail(parent, name, "cannot read strings");
  }
  std::vector<std::string> items;
  for (char* p : pointers) {
    items.emplace_back(p != nullptr ? p : "");
    H5free_memory(p);
  }
  return items;
}

Status WriteDoubles(hid_t parent, const std::string& name, const std::vector<double>& data,
                    const std::vector<hsize_t>& dims) {
  return WriteNumeric(parent, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, data.data(), dims);
}

Status WriteInt32s(hid_t parent, const std::string& name, const std::vector<int32_t>& data) {
  return WriteNumeric(parent, name, H5T_NATIVE_INT32, H5T_STD_I32LE, data.data(),
                      {static_cast<hsize_t>(data.size())});
}

Status WriteInt64s(hid_t parent, const std::string& name, const std::vector<int64_t>& data) {
  return WriteNumeric(parent, name, H5T_NATIVE_INT64, H5T_STD_I64LE, data.data(),
                      {static_cast<hsize_t>(data.size())});
}

Status WriteBytes(hid_t parent, const std::string& name, const std::vector<uint8_t>& data) {
  return WriteNumeric(parent, name, H5T_NATIVE_UINT8, H5T_STD_U8LE, data.data(),
                      {static_cast<hsize_t>(data.size())});
}

StatusOr<std::vector<double>> ReadDoubles(hid_t parent, const std::string& name,
                                          std::vector<hsize_t>* dims) {
  return ReadNumeric<double>(parent, name, H5T_NATIVE_DOUBLE, dims);
}

StatusOr<std::vector<int32_t>> ReadInt32s(hid_t parent, const std::string& name) {
  return ReadNumeric<int32_t>(parent, name, H5T_NATIVE_INT32, nullptr);
}

StatusOr<std::vector<int64_t>> ReadInt64s(hid_t parent, const std::string& name) {
  return ReadNumeric<int64_t>(parent, name, H5T_NATIVE_INT64, nullptr);
}

StatusOr<std::vector<uint8_t>> ReadBytes(hid_t parent, const std::string& name) {
  return ReadNumeric<uint8_t>(parent, name, H5T_NATIVE_UINT8, nullptr);
}

Status WriteImage(hid_t parent, const std::string& name, const Image& image) {
  if (image.rgb.size() != static_cast<size_t>(image.width * image.height * 3)) {
    return InvalidArgumentError(
        ObjectPath(parent, name) + ": image buffer size " + std::to_string(image.rgb.size()) +
        " != " + std::to_string(image.width) + "x" + std::to_string(image.height) + "x3");
  }
  if (H5IMmake_image_24bit(parent, name.c_str(), image.width, image.height, "INTERLACE_PIXEL",
                           image.rgb.data()) < 0) {
    return Fail(parent, name, "cannot write image");
  }
  return Status::Ok();
}

StatusOr<Image> ReadImage(hid_t parent, const std::string& name) {
  if (!Exists(parent, name)) return Fail(parent, name, "missing image");
  hsize_t width = 0, height = 0, planes = 0;
  char interlace[32] = {0};
  hssize_t palettes = 0;
  if (H5IMget_image_info(parent, name.c_str(), &width, &height, &planes, interlace, &palettes) <
          0 ||
      planes != 3) {
    return Fail(parent, name, "not a 24-bit image");
  }
  Image image;
  image.width = static_cast<int64_t>(width);
  image.height = static_cast<int64_t>(height);
  image.rgb.resize(width * height * 3);
  if (H5IMread_image(parent, name.c_str(), image.rgb.data()) < 0) {
    return Fail(parent, name, "cannot read image");
  }
  return image;
}

}  // namespace clipglass::results::hdf5
