#include "api/router.h"
#include "api/http_text.h"

#include "api/error_mapping.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

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

void Router::AddOpen(const std::string& method, const std::string& pattern, Handler handler) {
  Add(method, pattern, std::move(handler));
  routes_.back().open = true;
}

void Router::AddWrite(const std::string& method, const std::string& pattern, Handler handler) {
  Add(method, pattern, std::move(handler));
  routes_.back().waits_for_disk = true;
}

void Router::AddLongRunning(const std::string& method, const std::string& pattern, Handler handler) {
  Add(method, pattern, std::move(handler));
  routes_.back().long_running = true;
}

void Router::AddStream(const std::string& method, const std::string& pattern, Handler handler) {
  AddWrite(method, pattern, std::move(handler));
  routes_.back().streams_body = true;
}

namespace {

bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& parts,
           std::map<std::string, std::string>* params) {
  if (pattern.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      (*params)[p.substr(1, p.size() - 2)] = PercentDecode(parts[i], false);
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

Router::Resolved Router::Resolve(HttpRequest& request) const {
  const auto parts = SplitPath(request.path);
  // The most specific matching pattern decides; only then does the method count
  // (GET /points/scroll is a wrong method, not a point called "scroll").
  int best_specificity = -1;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (Match(r.segments, parts, &params)) best_specificity = std::max(best_specificity, Specificity(r.segments));
  }
  if (best_specificity < 0) return Resolved{nullptr, 404};
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (r.method != request.method || Specificity(r.segments) != best_specificity) continue;
    if (!Match(r.segments, parts, &params)) continue;
    request.path_params = std::move(params);
    return Resolved{&r, 200};
  }
  return Resolved{nullptr, 405};
}

HttpResponse Router::Run(const Resolved& resolved, const HttpRequest& request) const {
  const auto start = std::chrono::steady_clock::now();
  HttpResponse response = RunHandler(resolved, request);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  (resolved.route != nullptr ? *resolved.route->stats : *unmatched_).Record(response.status, seconds);
  if (slow_query_.count() > 0 && seconds * 1000 >= slow_query_.count()) {
    LogSlowRequest(resolved, request, response.status, seconds);
  }
  return response;
}

namespace {

// The start of a request body for the log: enough to see the filter and the
// parameters of a search; never the API key (it is in a header).
std::string BodyExcerpt(const HttpRequest& request) {
  constexpr size_t kMax = 1024;
  if (request.body_reader != nullptr) return "(streamed)";
  std::string out = request.body.substr(0, kMax);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (request.body.size() > kMax) {
    out += "... (";
    out += std::to_string(request.body.size());
    out += " bytes)";
  }
  return out;
}

}  // namespace

void Router::LogSlowRequest(const Resolved& resolved, const HttpRequest& request, int status,
                            double seconds) const {
  spdlog::warn("slow request: {} {} (route {}) took {:.1f} ms, status {}, body: {}", request.method, request.path,
               resolved.route != nullptr ? resolved.route->pattern : "unmatched", seconds * 1000, status,
               BodyExcerpt(request));
}

HttpResponse Router::RunHandler(const Resolved& resolved, const HttpRequest& request) const {
  // Keys first: without one, a client learns nothing, not even which paths exist.
  if (resolved.route == nullptr || !resolved.route->open) {
    const bool write = resolved.route != nullptr && resolved.route->writes();
    switch (CheckAccess(keys_, request.api_key, write)) {
      case Access::kAllowed: break;
      case Access::kMissing: return ErrorResponse(401, "Unauthorized: send an api-key header or Authorization: Bearer <key>");
      case Access::kInvalid: return ErrorResponse(401, "Unauthorized: invalid API key");
      case Access::kReadOnly: return ErrorResponse(403, "Forbidden: the read-only API key cannot call " + request.method + " " + request.path);
    }
  }
  if (resolved.route != nullptr) {
    if (resolved.route->streams_body && request.body_reader == nullptr) {
      // Called without a socket (tests): the body in memory is the stream.
      StringBodyReader reader(request.body);
      HttpRequest with_reader = request;
      with_reader.body_reader = &reader;
      return resolved.route->handler(with_reader);
    }
    return resolved.route->handler(request);
  }
  if (resolved.status == 404) return ErrorResponse(404, "Not found: no route for " + request.method + " " + request.path);
  return ErrorResponse(405, "Method " + request.method + " is not allowed for " + request.path);
}

void Router::AppendMetrics(std::string* out) const {
  auto labels = [](const Route& r) {
    return "method=\"" + r.method + "\",route=\"" + PrometheusLabel(r.pattern) + "\"";
  };
  const std::string unmatched = "method=\"\",route=\"unmatched\"";
  *out += "# HELP sextant_http_requests_total HTTP requests answered, by route pattern and status code.\n";
  *out += "# TYPE sextant_http_requests_total counter\n";
  for (const Route& r : routes_) r.stats->AppendRequests(labels(r), out);
  unmatched_->AppendRequests(unmatched, out);
  *out += "# HELP sextant_http_request_duration_seconds Time from a handler's start to its answer, by route pattern.\n";
  *out += "# TYPE sextant_http_request_duration_seconds histogram\n";
  for (const Route& r : routes_) {
    if (!r.stats->empty()) r.stats->AppendLatency(labels(r), out);
  }
  if (!unmatched_->empty()) unmatched_->AppendLatency(unmatched, out);
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace sextant::api
