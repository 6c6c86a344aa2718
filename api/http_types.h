// Request and response as handlers see them: plain data, no sockets, no Beast,
// so every handler can be tested by calling it.
#pragma once

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace sextant::api {

// A request body read as it arrives (routes added with Router::AddStream):
// the server hands over what the client has sent so far and stops reading
// from the socket while the handler is behind, so memory stays bounded
// whatever the body size.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads up to `n` bytes into `dst`, blocking until some arrive; 0 at the end
  // of the body. An error when the client went away or the read timed out.
  virtual Result<size_t> Read(char* dst, size_t n) = 0;
};

// A body already in memory, as a BodyReader (tests, and streaming routes
// dispatched without a socket).
class StringBodyReader : public BodyReader {
 public:
  explicit StringBodyReader(std::string_view data, size_t max_read = SIZE_MAX) : data_(data), max_read_(max_read) {}
  Result<size_t> Read(char* dst, size_t n) override {
    const size_t k = std::min({n, data_.size() - pos_, max_read_});
    if (k > 0) std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  size_t max_read_;  // tests: hand out at most this many bytes per read
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // without the query string, percent-decoded
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> path_params;  // filled by the Router
  std::string content_type;
  // The API key the client sent: the `api-key` header, else the token of
  // `Authorization: Bearer <token>`; empty when neither (api/auth.h).
  std::string api_key;
  std::string body;
  // Streaming routes: the body as it arrives (`body` stays empty).
  BodyReader* body_reader = nullptr;

  std::optional<std::string> QueryParam(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
  const std::string& PathParam(const std::string& name) const { return path_params.at(name); }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // When set, the body is this file's contents, sent from disk (downloads).
  std::string file_path;
};

}  // namespace sextant::api
