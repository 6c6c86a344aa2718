// A blocking HTTP/1.1 client for the command line tools (`sextant import`):
// one keep-alive connection to a server given as http://host:port.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace sextant::cli {

struct HttpReply {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  // InvalidArgument unless `url` is http://host[:port][/].
  static Result<std::unique_ptr<HttpClient>> Connect(const std::string& url);
  ~HttpClient();

  // IOError when the server cannot be reached or the connection breaks
  // (after one retry on a fresh connection).
  Result<HttpReply> Request(const std::string& method, const std::string& target, const std::string& body = "",
                            const std::string& content_type = "application/json");

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::cli
