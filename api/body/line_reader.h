// LineReader: the lines of a body as it arrives (NDJSON), each followed by at
// least kLinePadding readable bytes so simdjson can parse it in place.
#pragma once

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "common/status.h"

namespace sextant::api {

inline constexpr size_t kLinePadding = 64;  // simdjson::SIMDJSON_PADDING

class LineReader {
 public:
  LineReader(BodyReader& body, size_t max_line) : body_(body), max_line_(max_line) {}

  // The next line without its "\n" or "\r\n"; nullopt at the end of the body.
  // The view lives until the next call. InvalidArgument for a line longer
  // than max_line.
  Result<std::optional<std::string_view>> Next() {
    while (true) {
      const void* nl = scan_ < end_ ? std::memchr(buffer_.data() + scan_, '\n', end_ - scan_) : nullptr;
      if (nl != nullptr || (eof_ && pos_ < end_)) {
        const size_t line_end = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data()) : end_;
        std::string_view line(buffer_.data() + pos_, line_end - pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos_ = scan_ = nl != nullptr ? line_end + 1 : end_;
        ++line_number_;
        if (line.size() > max_line_) return TooLong();
        return std::optional<std::string_view>(line);
      }
      if (eof_) return std::optional<std::string_view>();
      scan_ = end_;
      if (end_ - pos_ > max_line_) {
        ++line_number_;
        return TooLong();
      }
      // Keep the partial line at the front and read more after it.
      if (pos_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
        end_ -= pos_;
        scan_ -= pos_;
        pos_ = 0;
      }
      const size_t want = std::max<size_t>(kRead, end_);  // at least doubles for long lines
      if (buffer_.size() < end_ + want + kLinePadding) buffer_.resize(end_ + want + kLinePadding);
      ASSIGN_OR_RETURN(size_t n, body_.Read(buffer_.data() + end_, want));
      if (n == 0) eof_ = true;
      end_ += n;
    }
  }
  // The number of the line Next returned last (1-based).
  size_t line_number() const { return line_number_; }

 private:
  static constexpr size_t kRead = size_t{1} << 20;
  Status TooLong() const {
    return Status::InvalidArgument("Bad request: line " + std::to_string(line_number_) + " is longer than " +
                                   std::to_string(max_line_) + " bytes");
  }

  BodyReader& body_;
  const size_t max_line_;
  std::vector<char> buffer_;
  size_t pos_ = 0;   // start of the next line
  size_t scan_ = 0;  // where to look for its newline
  size_t end_ = 0;   // bytes in buffer_
  bool eof_ = false;
  size_t line_number_ = 0;
};

}  // namespace sextant::api
