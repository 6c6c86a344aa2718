// GET /metrics through the real binary: Prometheus text with request counts by
// route pattern and status, and latency histograms that add up.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

// The value of the sample line that starts with `series` (name and labels), or -1.
double SampleValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

}  // namespace

TEST_CASE("GET /metrics counts requests by route and status, with latency histograms", "[e2e][metrics]") {
  TempDir tmp;
  ServerProcess server(tmp.Sub("data"));
  HttpClient http(server.port());
  REQUIRE(http.Put("/collections/m", R"({"vectors":{"size":4,"distance":"Dot"}})").status == 200);
  for (int i = 0; i < 3; ++i) REQUIRE(http.Get("/collections/m").status == 200);
  REQUIRE(http.Get("/collections/nope").status == 404);
  REQUIRE(http.Put("/collections/m/points?wait=true", R"({"points":[{"id":1,"vector":[1,2]}]})").status == 400);
  REQUIRE(http.Put("/collections/m/points?wait=true", R"({"points":[{"id":1,"vector":[1,2,3,4]}]})").status == 200);
  REQUIRE(http.Get("/no/such/path").status == 404);

  auto r = http.Get("/metrics");
  REQUIRE(r.status == 200);
  const std::string& m = r.body;
  CHECK(m.find("# TYPE sextant_http_requests_total counter") != std::string::npos);
  CHECK(m.find("# TYPE sextant_http_request_duration_seconds histogram") != std::string::npos);
  const std::string get = "method=\"GET\",route=\"/collections/{collection_name}\"";
  CHECK(SampleValue(m, "sextant_http_requests_total{" + get + ",status=\"200\"}") == 3);
  CHECK(SampleValue(m, "sextant_http_requests_total{" + get + ",status=\"404\"}") == 1);
  const std::string upsert = "method=\"PUT\",route=\"/collections/{collection_name}/points\"";
  CHECK(SampleValue(m, "sextant_http_requests_total{" + upsert + ",status=\"400\"}") == 1);
  CHECK(SampleValue(m, "sextant_http_requests_total{" + upsert + ",status=\"200\"}") == 1);
  CHECK(SampleValue(m, "sextant_http_requests_total{method=\"\",route=\"unmatched\",status=\"404\"}") == 1);
  // The histogram: cumulative buckets, +Inf equal to the count.
  CHECK(SampleValue(m, "sextant_http_request_duration_seconds_count{" + get + "}") == 4);
  CHECK(SampleValue(m, "sextant_http_request_duration_seconds_bucket{" + get + ",le=\"+Inf\"}") == 4);
  CHECK(SampleValue(m, "sextant_http_request_duration_seconds_bucket{" + get + ",le=\"0.0005\"}") <=
        SampleValue(m, "sextant_http_request_duration_seconds_bucket{" + get + ",le=\"10\"}"));
  CHECK(SampleValue(m, "sextant_http_request_duration_seconds_sum{" + get + "}") >= 0);
  // Collections and the optimizer.
  CHECK(SampleValue(m, "sextant_collection_points{collection=\"m\"}") == 1);
  CHECK(SampleValue(m, "sextant_optimizer_queue") >= 0);
  CHECK(SampleValue(m, "sextant_rocksdb_memtable_bytes{collection=\"m\"}") > 0);  // the upserted point
  CHECK(SampleValue(m, "sextant_rocksdb_sst_bytes{collection=\"m\"}") >= 0);
  CHECK(SampleValue(m, "sextant_drift_enabled{collection=\"m\"}") == 1);
  CHECK(SampleValue(m, "sextant_drift_status{collection=\"m\"}") == 0);
  // Every line is a comment or `name{labels} value`.
  std::istringstream in(m);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    CHECK_NOTHROW(std::stod(line.substr(space + 1)));
  }
  // The scrape itself is counted from the next one on.
  r = http.Get("/metrics");
  CHECK(SampleValue(r.body, "sextant_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}") == 1);
}

}  // namespace sextant::testing
