// The little-endian encoding of drift state (references, windows, monitors):
// fixed-width integers and floats, length-prefixed vectors and blobs. Every
// read is bounds-checked and says whether it succeeded, so damaged or
// truncated state is refused, never half-read.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "storage/coding.h"

namespace sextant {

class DriftWriter {
 public:
  void U64(uint64_t v) { PutFixed64(&out_, v); }
  void F64(double v) { U64(std::bit_cast<uint64_t>(v)); }
  void F32(float v) { PutFixed32(&out_, std::bit_cast<uint32_t>(v)); }
  void Blob(std::string_view blob) {
    U64(blob.size());
    out_.append(blob);
  }
  // n floats, no length (the reader knows how many).
  void Floats(const float* v, size_t n) {
    for (size_t i = 0; i < n; ++i) F32(v[i]);
  }
  template <typename T>
  void Vec(const std::vector<T>& v) {
    U64(v.size());
    for (const T& x : v) {
      if constexpr (std::is_same_v<T, float>) F32(x);
      else if constexpr (std::is_same_v<T, double>) F64(x);
      else U64(x);
    }
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class DriftReader {
 public:
  explicit DriftReader(std::string_view in) : in_(in) {}
  bool U64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = DecodeFixed64(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  bool F64(double* v) {
    uint64_t bits = 0;
    if (!U64(&bits)) return false;
    *v = std::bit_cast<double>(bits);
    return true;
  }
  bool F32(float* v) {
    if (in_.size() < 4) return false;
    *v = std::bit_cast<float>(DecodeFixed32(in_.data()));
    in_.remove_prefix(4);
    return true;
  }
  bool Blob(std::string_view* blob) {
    uint64_t n = 0;
    if (!U64(&n) || n > in_.size()) return false;
    *blob = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool Floats(float* v, size_t n) {
    if (in_.size() / sizeof(float) < n) return false;
    for (size_t i = 0; i < n; ++i) F32(&v[i]);
    return true;
  }
  template <typename T>
  bool Vec(std::vector<T>* v) {
    uint64_t n = 0;
    if (!U64(&n) || n > in_.size()) return false;  // every element takes at least a byte
    v->resize(n);
    for (T& x : *v) {
      bool ok;
      if constexpr (std::is_same_v<T, float>) {
        ok = F32(&x);
      } else if constexpr (std::is_same_v<T, double>) {
        ok = F64(&x);
      } else {
        uint64_t u = 0;
        ok = U64(&u);
        x = static_cast<T>(u);
      }
      if (!ok) return false;
    }
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace sextant
