// A minimal little-endian binary encoder/decoder for checkpoint blobs (the archive's
// engine_state). Decoding is bounds-checked: a truncated or corrupt blob is an error, never a
// crash or an over-read.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/status.h"

namespace clipglass::coordinator {

class ByteWriter {
 public:
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void I64(int64_t v) { Raw(&v, sizeof v); }
  void F64(double v) { Raw(&v, sizeof v); }
  void Bytes(const void* data, size_t size) {
    U64(size);
    Raw(data, size);
  }
  void Doubles(const std::vector<double>& v) { Bytes(v.data(), v.size() * sizeof(double)); }
  void U64s(const std::vector<uint64_t>& v) { Bytes(v.data(), v.size() * sizeof(uint64_t)); }
  void U8s(const std::vector<uint8_t>& v) { Bytes(v.data(), v.size()); }
  void Ints(const std::vector<int>& v) {
    U64(v.size());
    for (int x : v) I64(x);
  }

  std::vector<uint8_t> Take() { return std::move(out_); }

 private:
  void Raw(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
  }
  std::vector<uint8_t> out_;
};

class ByteReader {
 public:
  explicit ByteReader(const std::vector<uint8_t>& in) : in_(in) {}

  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == in_.size(); }
  Status status(const std::string& what) const {
    return ok_ ? Status::Ok()
               : DataLossError(what + ": truncated or corrupt at byte " + std::to_string(pos_));
  }

  uint64_t U64() { return Scalar<uint64_t>(); }
  int64_t I64() { return Scalar<int64_t>(); }
  double F64() { return Scalar<double>(); }
  std::vector<double> Doubles() { return Array<double>(); }
  std::vector<uint64_t> U64s() { return Array<uint64_t>(); }
  std::vector<uint8_t> U8s() { return Array<uint8_t>(); }
  std::vector<int> Ints() {
    const uint64_t n = U64();
    std::vector<int> v;
    if (!ok_ || n > Remaining() / sizeof(int64_t)) {
      ok_ = false;
      return v;
    }
    for (uint64_t i = 0; i < n; ++i) v.push_back(static_cast<int>(I64()));
    return v;
  }

 private:
  size_t Remaining() const { return in_.size() - pos_; }
  template <typename T>
  T Scalar() {
    T v{};
    if (!ok_ || Remaining() < sizeof(T)) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  template <typename T>
  std::vector<T> Array() {
    const uint64_t bytes = U64();
    std::vector<T> v;
    if (!ok_ || bytes > Remaining() || bytes % sizeof(T) != 0) {
      ok_ = false;
      return v;
    }
    v.resize(bytes / sizeof(T));
    std::memcpy(v.data(), in_.data() + pos_, bytes);
    pos_ += bytes;
    return v;
  }

  const std::vector<uint8_t>& in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace clipglass::coordinator
