// Request and response as handlers see them: plain data, no sockets, no Beast,
// so every handler can be tested by calling it.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace sextant::api {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // without the query string, percent-decoded
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> path_params;  // filled by the Router
  std::string content_type;
  std::string body;

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
};

}  // namespace sextant::api
