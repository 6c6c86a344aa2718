// Router: (method, path pattern) -> handler. Patterns are literal segments and
// `{name}` captures, e.g. "/collections/{collection_name}/points/{id}". An
// unknown path answers 404, a known path with another method 405, both in the
// error envelope.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/http_types.h"
#include "api/metrics/route_stats.h"

namespace sextant::api {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    bool waits_for_disk = false;
    bool streams_body = false;
    bool open = false;  // answered without an API key (health probes)
    // Holds its thread for seconds or minutes (benchmarks): run on the writer
    // pool, never on the compute pool that searches need. Not a write.
    bool long_running = false;
    // Whether it changes anything: a read-only key may not call it. Every
    // route added with AddWrite or AddStream, and no other (a test lists the
    // POST routes that only read).
    bool writes() const { return waits_for_disk || streams_body; }
    std::shared_ptr<RouteStats> stats = std::make_shared<RouteStats>();
  };
  // The outcome of routing one request: its route, or the status to answer.
  struct Resolved {
    const Route* route = nullptr;  // null: no route; `status` is 404 or 405
    int status = 0;
    bool waits_for_disk() const { return route != nullptr && route->waits_for_disk; }
    bool streams_body() const { return route != nullptr && route->streams_body; }
    bool long_running() const { return route != nullptr && route->long_running; }
  };

  void Add(const std::string& method, const std::string& pattern, Handler handler);
  // A route whose handler waits for the disk (a durable write): the server runs
  // it on its writer pool, where many can wait for one shared fsync without
  // holding the compute threads that searches need.
  void AddWrite(const std::string& method, const std::string& pattern, Handler handler);
  // A write route whose handler reads the body as it arrives, through
  // request.body_reader (bulk uploads, snapshot uploads): no body limit, and
  // memory bounded by the server's read-ahead, not by the body.
  void AddStream(const std::string& method, const std::string& pattern, Handler handler);
  // A route whose handler waits long for work done elsewhere (a benchmark):
  // the server runs it on its writer pool, so it holds no compute thread.
  // Unlike AddWrite, a read-only key may call it.
  void AddLongRunning(const std::string& method, const std::string& pattern, Handler handler);
  // Called by the server when it starts stopping, before it waits for the
  // requests in flight: long-running handlers end early. Set before serving.
  void OnStop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }
  void NotifyStop() const {
    for (const auto& hook : stop_hooks_) hook();
  }
  // A route answered whatever the API key (health probes).
  void AddOpen(const std::string& method, const std::string& pattern, Handler handler);
  // The keys requests must present (none by default). Set before serving.
  void SetApiKeys(ApiKeys keys) { keys_ = std::move(keys); }
  // Requests whose handler takes at least this long are logged at warn level
  // with their route, status and the start of their body (0 = never). Set
  // before serving.
  void SetSlowQueryThreshold(std::chrono::duration<double, std::milli> threshold) { slow_query_ = threshold; }

  // Finds the route of `request` and fills its path_params. The server resolves
  // on the I/O thread (to pick a pool) and runs the handler on the pool.
  Resolved Resolve(HttpRequest& request) const;
  // Runs the resolved handler, or answers 404/405 in the error envelope (401
  // or 403 first when API keys are set and the request's does not allow the
  // route); counts the request and its latency (the handler's time) under
  // its route.
  HttpResponse Run(const Resolved& resolved, const HttpRequest& request) const;
  HttpResponse Dispatch(HttpRequest& request) const { return Run(Resolve(request), request); }
  // Every registered (method, pattern), for documentation and tests.
  std::vector<std::pair<std::string, std::string>> Routes() const;
  // Request counts by route and status, and latency histograms by route, in
  // Prometheus text format (routes with no request yet are left out).
  void AppendMetrics(std::string* out) const;

 private:
  HttpResponse RunHandler(const Resolved& resolved, const HttpRequest& request) const;
  void LogSlowRequest(const Resolved& resolved, const HttpRequest& request, int status, double seconds) const;

  std::vector<Route> routes_;
  std::vector<std::function<void()>> stop_hooks_;
  ApiKeys keys_;
  std::chrono::duration<double, std::milli> slow_query_{0};
  // Requests that matched no route (404) or no method (405).
  std::shared_ptr<RouteStats> unmatched_ = std::make_shared<RouteStats>();
};

std::vector<std::string> SplitPath(const std::string& path);

}  // namespace sextant::api
