// Router: (method, path pattern) -> handler. Patterns are literal segments and
// `{name}` captures, e.g. "/collections/{collection_name}/points/{id}". An
// unknown path answers 404, a known path with another method 405, both in the
// error envelope.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/http_types.h"

namespace sextant::api {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  void Add(const std::string& method, const std::string& pattern, Handler handler);
  // A route whose handler waits for the disk (a durable write): the server runs
  // it on its writer pool, where many can wait for one shared fsync without
  // holding the compute threads that searches need.
  void AddWrite(const std::string& method, const std::string& pattern, Handler handler);
  bool WaitsForDisk(const HttpRequest& request) const;
  // Fills request.path_params and runs the handler (or answers 404/405).
  HttpResponse Dispatch(HttpRequest& request) const;
  // Every registered (method, pattern), for documentation and tests.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    bool waits_for_disk = false;
  };
  // The route that answers `request`, or nullptr with *status = 404 or 405.
  const Route* Find(const HttpRequest& request, std::map<std::string, std::string>* params,
                    int* status) const;
  std::vector<Route> routes_;
};

std::vector<std::string> SplitPath(const std::string& path);

}  // namespace sextant::api
