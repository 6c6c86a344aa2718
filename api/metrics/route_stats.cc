#include "api/metrics/route_stats.h"

#include <cmath>
#include <cstdio>

namespace sextant::api {

void RouteStats::Record(int status, double seconds) {
  const size_t slot = status >= kMinStatus && status <= kMaxStatus ? static_cast<size_t>(status - kMinStatus)
                                                                   : by_status_.size() - 1;
  by_status_[slot].fetch_add(1, std::memory_order_relaxed);
  size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e9), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void RouteStats::AppendRequests(const std::string& labels, std::string* out) const {
  for (size_t i = 0; i < by_status_.size(); ++i) {
    const uint64_t n = by_status_[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    const std::string status = i + 1 == by_status_.size() ? "other" : std::to_string(kMinStatus + static_cast<int>(i));
    *out += "sextant_http_requests_total{" + labels + ",status=\"" + status + "\"} " + std::to_string(n) + "\n";
  }
}

void RouteStats::AppendLatency(const std::string& labels, std::string* out) const {
  // Buckets are cumulative in the format; count and sum may run a request
  // ahead of them while requests finish (scrapes are not atomic snapshots).
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < kBounds.size() ? PrometheusNumber(kBounds[i]) : "+Inf";
    *out += "sextant_http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
            std::to_string(cumulative) + "\n";
  }
  *out += "sextant_http_request_duration_seconds_sum{" + labels + "} " +
          PrometheusNumber(static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9) + "\n";
  *out += "sextant_http_request_duration_seconds_count{" + labels + "} " + std::to_string(cumulative) + "\n";
}

std::string PrometheusLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PrometheusNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counts are exact integers (up to 2^53), other values round-trip.
  if (value == std::trunc(value) && std::abs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

}  // namespace sextant::api
