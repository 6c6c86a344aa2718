#include "api/body/vector_stream.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace sextant::api {

namespace {

constexpr size_t kReadSize = size_t{1} << 20;

// IEEE 754 half to float (every value, subnormals and inf/NaN included).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f;
  const uint32_t mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
  }
  uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

std::string Record(size_t n) { return "record " + std::to_string(n); }

}  // namespace

std::optional<VectorFormat> ParseVectorFormat(const std::string& name) {
  if (name == "f32" || name == "float32" || name == "raw") return VectorFormat::kF32;
  if (name == "npy") return VectorFormat::kNpy;
  if (name == "fvecs") return VectorFormat::kFvecs;
  if (name == "bvecs") return VectorFormat::kBvecs;
  return std::nullopt;
}

VectorStream::VectorStream(BodyReader& body, VectorFormat format, size_t dim)
    : body_(body), format_(format), dim_(dim) {
  if (format_ == VectorFormat::kBvecs) element_ = Element::kU8;
}

Result<bool> VectorStream::Need(size_t n, size_t* got) {
  while (end_ - pos_ < n) {
    if (eof_) {
      if (got != nullptr) *got = end_ - pos_;
      return false;
    }
    if (pos_ > 0) {  // keep the unread bytes at the front
      std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    if (buffer_.size() < std::max(n, kReadSize) + end_) buffer_.resize(std::max(n, kReadSize) + end_);
    ASSIGN_OR_RETURN(size_t read, body_.Read(buffer_.data() + end_, buffer_.size() - end_));
    if (read == 0) eof_ = true;
    end_ += read;
  }
  return true;
}

Status VectorStream::ReadNpyHeader() {
  size_t got = 0;
  ASSIGN_OR_RETURN(bool ok, Need(10, &got));
  if (!ok || std::memcmp(buffer_.data() + pos_, "\x93NUMPY", 6) != 0) {
    return Status::InvalidArgument("Bad request: not a .npy body (no \\x93NUMPY magic)");
  }
  const uint8_t major = static_cast<uint8_t>(buffer_[pos_ + 6]);
  size_t header_len, prefix;
  if (major == 1) {
    header_len = static_cast<uint8_t>(buffer_[pos_ + 8]) | (static_cast<uint8_t>(buffer_[pos_ + 9]) << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    ASSIGN_OR_RETURN(ok, Need(12));
    if (!ok) return Status::InvalidArgument("Bad request: .npy header truncated");
    uint32_t len;
    std::memcpy(&len, buffer_.data() + pos_ + 8, 4);
    header_len = len;
    prefix = 12;
  } else {
    return Status::InvalidArgument("Bad request: .npy format version " + std::to_string(major) + " is not supported");
  }
  if (header_len > (1 << 20)) return Status::InvalidArgument("Bad request: .npy header too long");
  ASSIGN_OR_RETURN(ok, Need(prefix + header_len));
  if (!ok) return Status::InvalidArgument("Bad request: .npy header truncated");
  const std::string header(buffer_.data() + pos_ + prefix, header_len);
  pos_ += prefix + header_len;
  auto value_of = [&](const std::string& key) -> std::string {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) return "";
    size_t v = header.find(':', k);
    if (v == std::string::npos) return "";
    ++v;
    while (v < header.size() && header[v] == ' ') ++v;
    if (v < header.size() && header[v] == '(') return header.substr(v, header.find(')', v) - v + 1);
    const size_t end = header.find_first_of(",}", v);
    std::string text = header.substr(v, end == std::string::npos ? std::string::npos : end - v);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"')) text = text.substr(1, text.size() - 2);
    return text;
  };
  const std::string descr = value_of("descr");
  if (descr == "<f4" || descr == "=f4") {
    element_ = Element::kF32;
  } else if (descr == "<f2" || descr == "=f2") {
    element_ = Element::kF16;
  } else if (descr == "|u1" || descr == "<u1" || descr == "=u1") {
    element_ = Element::kU8;
  } else {
    return Status::InvalidArgument("Bad request: .npy dtype `" + descr +
                                   "` is not supported (use little-endian float32 <f4, float16 <f2 or uint8 |u1)");
  }
  if (value_of("fortran_order") != "False") {
    return Status::InvalidArgument("Bad request: .npy array must be in C order (fortran_order False)");
  }
  // shape: "(n, d)"
  const std::string shape = value_of("shape");
  // Exactly "(rows, cols)": two unsigned numbers, nothing more.
  size_t rows = 0, cols = 0;
  {
    const char* p = shape.c_str();
    const char* end = p + shape.size();
    auto number = [&](size_t* out) {
      while (p < end && *p == ' ') ++p;
      auto [next, ec] = std::from_chars(p, end, *out);
      if (ec != std::errc() || next == p) return false;
      p = next;
      while (p < end && *p == ' ') ++p;
      return true;
    };
    bool ok = p < end && *p++ == '(' && number(&rows) && p < end && *p++ == ',' && number(&cols);
    if (ok && p < end && *p == ',') ++p;
    while (ok && p < end && *p == ' ') ++p;
    ok = ok && p + 1 == end && *p == ')';
    if (!ok) return Status::InvalidArgument("Bad request: .npy shape " + shape + " is not a 2-d (rows, dim) shape");
  }
  if (dim_ == 0) dim_ = cols;
  if (cols != dim_) {
    return Status::InvalidArgument("Wrong input: Vector dimension error: expected dim: " + std::to_string(dim_) +
                                   ", got " + std::to_string(cols) + " (.npy shape " + shape + ")");
  }
  npy_rows_ = rows;
  return Status::OK();
}

Result<size_t> VectorStream::Next(size_t max_rows, std::vector<float>* out) {
  // Rows before a bad one are returned first; the error comes on the next call.
  if (!pending_error_.ok()) return pending_error_;
  size_t rows = 0;
  Status status = Decode(max_rows, out, &rows);
  out->resize(rows * dim_);
  if (!status.ok()) {
    if (rows == 0) return status;
    pending_error_ = status;
  }
  return rows;
}

Status VectorStream::Decode(size_t max_rows, std::vector<float>* out, size_t* decoded) {
  if (!header_done_) {
    if (format_ == VectorFormat::kNpy) RETURN_IF_ERROR(ReadNpyHeader());
    header_done_ = true;
    if (dim_ == 0 && format_ != VectorFormat::kNpy) {
      if (format_ == VectorFormat::kF32) return Status::InvalidArgument("Bad request: raw f32 needs the vector size");
      size_t got = 0;
      ASSIGN_OR_RETURN(bool any, Need(4, &got));
      if (!any) return Status::OK();  // empty: no rows
      int32_t d;
      std::memcpy(&d, buffer_.data() + pos_, 4);
      if (d <= 0 || d > (1 << 16)) {
        return Status::InvalidArgument("Bad request: record 0: impossible dimension " + std::to_string(d));
      }
      dim_ = static_cast<size_t>(d);
    }
  }
  const size_t element_size = element_ == Element::kF32 ? 4 : element_ == Element::kF16 ? 2 : 1;
  const bool prefixed = format_ == VectorFormat::kFvecs || format_ == VectorFormat::kBvecs;
  const size_t row_bytes = (prefixed ? 4 : 0) + dim_ * element_size;
  out->resize(max_rows * dim_);
  size_t& rows = *decoded;
  while (rows < max_rows) {
    if (npy_rows_ && records_ == *npy_rows_) {
      ASSIGN_OR_RETURN(bool extra, Need(1));
      if (extra) {
        return Status::InvalidArgument("Bad request: the body has data after the " + std::to_string(*npy_rows_) +
                                       " rows its .npy shape declares");
      }
      break;
    }
    size_t got = 0;
    ASSIGN_OR_RETURN(bool whole, Need(row_bytes, &got));
    if (!whole) {
      if (got == 0 && !npy_rows_) break;  // the clean end
      if (got == 0) {
        return Status::InvalidArgument("Bad request: truncated body: " + Record(records_) + " is missing (the .npy "
                                       "shape declares " + std::to_string(*npy_rows_) + " rows)");
      }
      return Status::InvalidArgument("Bad request: truncated body: it ends inside " + Record(records_) + " (" +
                                     std::to_string(got) + " of its " + std::to_string(row_bytes) + " bytes)");
    }
    const char* p = buffer_.data() + pos_;
    if (prefixed) {
      int32_t d;
      std::memcpy(&d, p, 4);
      if (d < 0 || static_cast<size_t>(d) != dim_) {
        return Status::InvalidArgument("Wrong input: " + Record(records_) + ": Vector dimension error: expected dim: " +
                                       std::to_string(dim_) + ", got " + std::to_string(d));
      }
      p += 4;
    }
    float* dst = out->data() + rows * dim_;
    switch (element_) {
      case Element::kF32:
        std::memcpy(dst, p, dim_ * 4);
        break;
      case Element::kF16:
        for (size_t i = 0; i < dim_; ++i) {
          uint16_t h;
          std::memcpy(&h, p + 2 * i, 2);
          dst[i] = HalfToFloat(h);
        }
        break;
      case Element::kU8:
        for (size_t i = 0; i < dim_; ++i) dst[i] = static_cast<uint8_t>(p[i]);
        break;
    }
    for (size_t i = 0; i < dim_; ++i) {
      if (!std::isfinite(dst[i])) {
        rejected_non_finite_ = true;
        return Status::InvalidArgument("Wrong input: " + Record(records_) + ": vector contains NaN or infinite values");
      }
    }
    pos_ += row_bytes;
    ++records_;
    ++rows;
  }
  return Status::OK();
}

}  // namespace sextant::api
