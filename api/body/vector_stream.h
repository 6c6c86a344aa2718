// VectorStream: float32 rows decoded from a binary body as it arrives, in one
// of the formats embedding pipelines write:
//   f32    raw little-endian float32, `dim` values a row, nothing else;
//   npy    NumPy .npy (format 1-3), 2-d C-order array of <f4, <f2 or |u1
//          (float32, float16, uint8), shape (n, dim);
//   fvecs  per row: int32 dim (LE), then dim float32;
//   bvecs  per row: int32 dim (LE), then dim uint8.
// Every error names the record (row, counted from 0) it is in.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "common/status.h"

namespace sextant::api {

enum class VectorFormat { kF32, kNpy, kFvecs, kBvecs };

// "f32" | "npy" | "fvecs" | "bvecs".
std::optional<VectorFormat> ParseVectorFormat(const std::string& name);

class VectorStream {
 public:
  // `dim`: the collection's vector size; every row must have it. 0: take it
  // from the data (the .npy shape, the first fvecs/bvecs row; not for f32).
  VectorStream(BodyReader& body, VectorFormat format, size_t dim);

  // Decodes up to `max_rows` rows into `out` (resized to rows × dim). Returns
  // the number of rows; 0 at the clean end of the body. InvalidArgument for a
  // malformed header, a row of another dimension or a body that ends inside a
  // row ("record N ...", counted from 0). The rows before a bad one come
  // first, its error with the next call.
  Result<size_t> Next(size_t max_rows, std::vector<float>* out);
  // Rows decoded so far.
  size_t records() const { return records_; }
  // Whether Next failed on a record holding NaN or infinite values.
  bool rejected_non_finite() const { return rejected_non_finite_; }
  // The row width (after the first Next when it was taken from the data).
  size_t dim() const { return dim_; }
  // The .npy shape's row count, once its header is read.
  std::optional<size_t> declared_rows() const { return npy_rows_; }

 private:
  Status Decode(size_t max_rows, std::vector<float>* out, size_t* decoded);
  Status ReadNpyHeader();
  // Makes `n` bytes available at buffer_[pos_]; false if the body ends first
  // (after `*got` of them).
  Result<bool> Need(size_t n, size_t* got = nullptr);

  BodyReader& body_;
  const VectorFormat format_;
  size_t dim_;
  enum class Element { kF32, kF16, kU8 } element_ = Element::kF32;
  std::optional<size_t> npy_rows_;  // the header's row count
  bool header_done_ = false;
  size_t records_ = 0;
  bool rejected_non_finite_ = false;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  Status pending_error_;
};

}  // namespace sextant::api
