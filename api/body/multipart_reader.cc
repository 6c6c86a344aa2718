#include "api/body/multipart_reader.h"
#include "api/http_text.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace sextant::api {

namespace {

constexpr size_t kFill = 64 << 10;
constexpr size_t kMaxHeaders = 16 << 10;

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The value of `key` in a header's parameters ("form-data; name=\"x\"; filename=y").
std::string Param(const std::string& header, const std::string& key) {
  size_t i = 0;
  const std::string lower = AsciiLower(header);
  while ((i = lower.find(key, i)) != std::string::npos) {
    const bool starts = i == 0 || lower[i - 1] == ';' || lower[i - 1] == ' ' || lower[i - 1] == '\t';
    size_t j = i + key.size();
    while (j < header.size() && header[j] == ' ') ++j;
    if (!starts || j >= header.size() || header[j] != '=') {
      i += key.size();
      continue;
    }
    ++j;
    while (j < header.size() && header[j] == ' ') ++j;
    if (j < header.size() && header[j] == '"') {
      std::string value;
      for (++j; j < header.size() && header[j] != '"'; ++j) {
        if (header[j] == '\\' && j + 1 < header.size()) ++j;
        value.push_back(header[j]);
      }
      return value;
    }
    const size_t end = header.find(';', j);
    return Trim(header.substr(j, end == std::string::npos ? std::string::npos : end - j));
  }
  return "";
}

}  // namespace

Result<std::string> MultipartReader::BoundaryOf(const std::string& content_type) {
  if (AsciiLower(content_type).rfind("multipart/form-data", 0) != 0) {
    return Status::InvalidArgument("Bad request: expected a multipart/form-data body, got Content-Type `" +
                                   content_type + "`");
  }
  std::string boundary = Param(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 70) {
    return Status::InvalidArgument("Bad request: multipart/form-data without a valid boundary");
  }
  return boundary;
}

// The body is read as if it began with "\r\n", so that the first boundary
// line matches the same delimiter as every later one.
MultipartReader::MultipartReader(BodyReader& body, std::string boundary)
    : body_(body), delimiter_("\r\n--" + boundary), buffer_("\r\n") {}

Result<bool> MultipartReader::Fill() {
  if (eof_) return false;
  Compact();
  const size_t old = buffer_.size();
  buffer_.resize(old + kFill);
  ASSIGN_OR_RETURN(size_t n, body_.Read(buffer_.data() + old, kFill));
  buffer_.resize(old + n);
  if (n == 0) eof_ = true;
  return n > 0;
}

void MultipartReader::Compact() {
  if (pos_ > 0 && (pos_ >= buffer_.size() / 2 || pos_ > kFill)) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
}

Result<size_t> MultipartReader::Read(char* dst, size_t n) {
  if (!in_part_ || n == 0) return size_t{0};
  while (true) {
    const size_t found = buffer_.find(delimiter_, pos_);
    if (found != std::string::npos) {
      const size_t k = std::min(n, found - pos_);
      std::memcpy(dst, buffer_.data() + pos_, k);
      pos_ += k;
      if (pos_ == found) in_part_ = false;  // NextPart consumes the delimiter
      if (k > 0) return k;
      return size_t{0};
    }
    // Everything but a possible start of the delimiter is data.
    const size_t safe = buffer_.size() - pos_ > delimiter_.size() ? buffer_.size() - pos_ - delimiter_.size() : 0;
    if (safe > 0) {
      const size_t k = std::min(n, safe);
      std::memcpy(dst, buffer_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) return Status::InvalidArgument("Bad request: the multipart body ends inside a part");
  }
}

Result<std::optional<MultipartPart>> MultipartReader::NextPart() {
  if (finished_) return std::optional<MultipartPart>();
  // Skip the rest of the current part (or the preamble before the first).
  if (!started_) in_part_ = started_ = true;  // the preamble reads as a part
  char sink[4096];
  while (in_part_) {
    ASSIGN_OR_RETURN(size_t n, Read(sink, sizeof(sink)));
    if (n == 0 && in_part_) return Status::Internal("multipart reader made no progress");
  }
  // At the delimiter: then "--" (the end) or the end of the boundary line.
  while (buffer_.size() - pos_ < delimiter_.size() + 2) {
    ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) return Status::InvalidArgument("Bad request: the multipart body ends inside a boundary");
  }
  pos_ += delimiter_.size();
  if (buffer_.compare(pos_, 2, "--") == 0) {
    finished_ = true;
    return std::optional<MultipartPart>();
  }
  // Headers: up to an empty line.
  size_t end;
  while ((end = buffer_.find("\r\n\r\n", pos_)) == std::string::npos) {
    if (buffer_.size() - pos_ > kMaxHeaders) return Status::InvalidArgument("Bad request: multipart part headers too long");
    ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) return Status::InvalidArgument("Bad request: the multipart body ends inside part headers");
  }
  std::string headers = buffer_.substr(pos_, end - pos_);
  pos_ = end + 4;
  // The boundary line's own rest (transport padding) comes first.
  const size_t first_line_end = headers.find("\r\n");
  if (Trim(headers.substr(0, first_line_end)) != "") {
    return Status::InvalidArgument("Bad request: malformed multipart boundary line");
  }
  MultipartPart part;
  size_t i = first_line_end == std::string::npos ? headers.size() : first_line_end + 2;
  while (i < headers.size()) {
    size_t eol = headers.find("\r\n", i);
    if (eol == std::string::npos) eol = headers.size();
    const std::string line = headers.substr(i, eol - i);
    i = eol + 2;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return Status::InvalidArgument("Bad request: malformed multipart part header");
    const std::string key = AsciiLower(Trim(line.substr(0, colon)));
    const std::string value = Trim(line.substr(colon + 1));
    if (key == "content-disposition") {
      part.name = Param(value, "name");
      part.filename = Param(value, "filename");
    } else if (key == "content-type") {
      part.content_type = value;
    }
  }
  in_part_ = true;
  return std::optional<MultipartPart>(std::move(part));
}

}  // namespace sextant::api
