// Per-route request counters and latency histograms, for GET /metrics.
//
// Every route owns one RouteStats, allocated when the route is registered, so
// recording a request is a few relaxed atomic increments: no lock and no map
// lookup on the request path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace sextant::api {

class RouteStats {
 public:
  // Upper bounds of the latency buckets, in seconds (Prometheus `le`); the
  // last bucket is +Inf.
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  void Record(int status, double seconds);

  // Appends this route's series in Prometheus text format (no HELP/TYPE
  // lines): requests by status, and the latency histogram. `labels` is the
  // route's label set without braces, e.g. method="GET",route="/".
  void AppendRequests(const std::string& labels, std::string* out) const;
  void AppendLatency(const std::string& labels, std::string* out) const;
  bool empty() const { return count_.load(std::memory_order_relaxed) == 0; }

 private:
  static constexpr int kMinStatus = 100, kMaxStatus = 599;
  std::array<std::atomic<uint64_t>, kMaxStatus - kMinStatus + 2> by_status_{};  // the last: out of range
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

// A label value in Prometheus text format: backslash, quote and newline escaped.
std::string PrometheusLabel(std::string_view value);
// A sample value: integers exactly, others to 17 digits, NaN and infinities by name.
std::string PrometheusNumber(double value);

}  // namespace sextant::api
