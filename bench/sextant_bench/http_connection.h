// A blocking HTTP/1.1 client over one keep-alive connection (Boost.Beast),
// for talking to a running server: http://host[:port] (default port 6333),
// with an optional API key sent as the `api-key` header.
// Thread safety: one connection per thread.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace sextant::bench {

struct HttpReply {
  int status = 0;
  std::string body;
};

class HttpConnection {
 public:
  // InvalidArgument unless `url` is http://host[:port][/]. Connects lazily.
  static Result<std::unique_ptr<HttpConnection>> Open(const std::string& url, const std::string& api_key);
  ~HttpConnection();

  // IOError when the server cannot be reached or the connection breaks
  // (after one retry on a fresh connection: the server may have closed an
  // idle keep-alive connection).
  Result<HttpReply> Request(const std::string& method, const std::string& target, const std::string& body = "",
                            const std::string& content_type = "application/json");

 private:
  struct Impl;
  explicit HttpConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::bench
