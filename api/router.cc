#include "api/router.h"

#include "api/error_mapping.h"

#include <algorithm>

namespace sextant::api {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

void Router::Add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{method, pattern, SplitPath(pattern), std::move(handler)});
}

void Router::AddWrite(const std::string& method, const std::string& pattern, Handler handler) {
  Add(method, pattern, std::move(handler));
  routes_.back().waits_for_disk = true;
}

namespace {

bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& parts,
           std::map<std::string, std::string>* params) {
  if (pattern.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      (*params)[p.substr(1, p.size() - 2)] = parts[i];
    } else if (p != parts[i]) {
      return false;
    }
  }
  return true;
}

// Literal segments beat captures: /points/scroll must not match /points/{id}.
int Specificity(const std::vector<std::string>& pattern) {
  int literal = 0;
  for (const auto& p : pattern) literal += !(p.size() >= 2 && p.front() == '{');
  return literal;
}

}  // namespace

const Router::Route* Router::Find(const HttpRequest& request, std::map<std::string, std::string>* params,
                                  int* status) const {
  const auto parts = SplitPath(request.path);
  // The most specific matching pattern decides; only then does the method count
  // (GET /points/scroll is a wrong method, not a point called "scroll").
  int best_specificity = -1;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> ignored;
    if (Match(r.segments, parts, &ignored)) best_specificity = std::max(best_specificity, Specificity(r.segments));
  }
  if (best_specificity < 0) {
    *status = 404;
    return nullptr;
  }
  for (const Route& r : routes_) {
    if (r.method != request.method || Specificity(r.segments) != best_specificity) continue;
    params->clear();
    if (Match(r.segments, parts, params)) return &r;
  }
  *status = 405;
  return nullptr;
}

HttpResponse Router::Dispatch(HttpRequest& request) const {
  std::map<std::string, std::string> params;
  int status = 0;
  const Route* route = Find(request, &params, &status);
  if (route == nullptr && status == 404) {
    return ErrorResponse(404, "Not found: no route for " + request.method + " " + request.path);
  }
  if (route == nullptr) return ErrorResponse(405, "Method " + request.method + " is not allowed for " + request.path);
  request.path_params = std::move(params);
  return route->handler(request);
}

bool Router::WaitsForDisk(const HttpRequest& request) const {
  std::map<std::string, std::string> params;
  int status = 0;
  const Route* route = Find(request, &params, &status);
  return route != nullptr && route->waits_for_disk;
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace sextant::api
