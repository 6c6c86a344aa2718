// MultipartReader: the parts of a multipart/form-data body (RFC 7578), read
// as the body arrives: part by part, each part's data in pieces, so a
// multi-gigabyte upload never sits in memory.
#pragma once

#include <optional>
#include <string>

#include "api/http_types.h"
#include "common/status.h"

namespace sextant::api {

struct MultipartPart {
  std::string name;          // from Content-Disposition: form-data; name="..."
  std::string filename;      // filename="...", if given
  std::string content_type;  // the part's Content-Type, if given
};

// The current part's data is itself a BodyReader (Read), so a part can be
// handed to anything that reads bodies.
class MultipartReader : public BodyReader {
 public:
  // The boundary of a "multipart/form-data; boundary=..." content type.
  static Result<std::string> BoundaryOf(const std::string& content_type);

  MultipartReader(BodyReader& body, std::string boundary);

  // Moves to the next part (skipping what is left of the current one);
  // nullopt after the closing boundary. InvalidArgument for a malformed body,
  // including one that ends before the closing boundary.
  Result<std::optional<MultipartPart>> NextPart();
  // Reads the current part's data; 0 at its end.
  Result<size_t> Read(char* dst, size_t n) override;

 private:
  // Reads more of the body into buffer_; false at its end.
  Result<bool> Fill();
  // Keeps buffer_ small: drops what was consumed.
  void Compact();

  BodyReader& body_;
  const std::string delimiter_;  // "\r\n--" + boundary
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool in_part_ = false;   // between a part's headers and its delimiter
  bool finished_ = false;  // after the closing delimiter
  bool started_ = false;   // the first NextPart has run
};

}  // namespace sextant::api
