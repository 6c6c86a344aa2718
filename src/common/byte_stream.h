// Byte sinks and sources: how an index writes itself to (and reads itself from)
// a file without knowing anything about files. storage/segment_file.h gives the
// implementations that checksum and commit atomically; tests use in-memory ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/status.h"

namespace sextant {

class ByteWriter {
 public:
  virtual ~ByteWriter() = default;
  virtual Status Write(const void* data, size_t size) = 0;
};

class ByteReader {
 public:
  virtual ~ByteReader() = default;
  // Reads exactly `size` bytes or fails (a short source is corruption).
  virtual Status Read(void* data, size_t size) = 0;
  // Bytes left to read. Loaders check a count against it before allocating
  // for it: a damaged count must fail, not allocate terabytes first.
  virtual uint64_t remaining() const = 0;
};

// In-memory implementations (tests, small headers).
class StringWriter final : public ByteWriter {
 public:
  Status Write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
    return Status::OK();
  }
  std::string out;
};

class StringReader final : public ByteReader {
 public:
  explicit StringReader(std::string data) : data_(std::move(data)) {}
  Status Read(void* data, size_t size) override {
    if (size > data_.size() - pos_) return Status::Corruption("unexpected end of data");
    if (size == 0) return Status::OK();  // `data` may be null (an empty vector's)
    std::memcpy(data, data_.data() + pos_, size);
    pos_ += size;
    return Status::OK();
  }
  uint64_t remaining() const override { return data_.size() - pos_; }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Fixed-size values in host order (x86-64: little-endian, the on-disk order).
template <typename T>
Status WriteValue(ByteWriter& w, const T& value) {
  return w.Write(&value, sizeof(T));
}
template <typename T>
Status ReadValue(ByteReader& r, T* value) {
  return r.Read(value, sizeof(T));
}

}  // namespace sextant
