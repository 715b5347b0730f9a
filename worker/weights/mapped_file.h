// A read-only view of a whole file through mmap, shared by every tensor that points into it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace clipglass::weights {

// Thread-safety: immutable after Open; share it through the shared_ptr.
class MappedFile {
 public:
  // NotFound naming the path when it cannot be opened; an empty file maps to an empty view.
  // The mapping is private copy-on-write, so a tensor that aliases it may be written to without
  // touching the file.
  static StatusOr<std::shared_ptr<MappedFile>> Open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  char* data() const { return data_; }  // page-aligned; nullptr when size() == 0
  size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }

 private:
  MappedFile(std::string path, char* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  std::string path_;
  char* data_;
  size_t size_;
};

}  // namespace clipglass::weights
