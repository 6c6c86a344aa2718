// Drift over HTTP, through the real binary: the report after glove words and
// after wordnet definitions, config changes, pinning, bad input answered 4xx
// in the error envelope, and a restart that keeps reference and history.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "support/datasets.h"
#include "support/json_body.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

struct Stream {
  Matrix data;
  std::vector<size_t> order;  // shuffled: the files are sorted (glove by word frequency)
};

// A dataset's rows in a fixed shuffled order.
Stream Shuffled(const std::string& file, uint32_t seed) {
  Stream s{ReadFvecs(SharedDataDir() + file), {}};
  s.order.resize(s.data.rows);
  std::iota(s.order.begin(), s.order.end(), 0);
  std::shuffle(s.order.begin(), s.order.end(), std::mt19937(seed));
  return s;
}

const Stream& Words() {
  static const Stream s = Shuffled("/glove100/base.fvecs", 11);
  return s;
}

const Stream& Definitions() {
  static const Stream s = Shuffled("/wordnet-glove/base.fvecs", 12);
  return s;
}

// Upserts the stream's rows [begin, end) as ids first_id... in batches of 500.
void Upload(HttpClient& http, const std::string& c, const Stream& stream, size_t begin, size_t end,
            uint64_t first_id) {
  for (size_t b = begin; b < end; b += 500) {
    const size_t e = std::min(end, b + 500);
    std::string body = "{\"points\":[";
    for (size_t i = b; i < e; ++i) {
      if (i > b) body.push_back(',');
      body += "{\"id\":" + std::to_string(first_id + (i - begin)) + ",\"vector\":";
      AppendFloats(&body, stream.data.row(stream.order[i]), stream.data.dim);
      body.push_back('}');
    }
    body += "]}";
    auto r = http.Put("/collections/" + c + "/points?wait=true", body);
    REQUIRE(r.status == 200);
  }
}

void ExpectError(const HttpResult& r, int status, const std::string& fragment) {
  CHECK(r.status == status);
  CHECK(JsonAt(r.body, "/status/error").find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("Drift over HTTP: words stay ok, definitions drift, settings and baselines, bad input, restart",
          "[e2e][drift]") {
  TempDir tmp;
  ServerProcess server(tmp.Sub("data"));
  HttpClient http(server.port());
  const Stream& words = Words();
  const Stream& definitions = Definitions();
  REQUIRE(http.Put("/collections/d", R"({"vectors":{"size":100,"distance":"Cosine"}})").status == 200);

  // On by default, collecting its reference.
  auto r = http.Get("/collections/d/drift");
  REQUIRE(r.status == 200);
  CHECK(JsonAt(r.body, "/result/enabled") == "true");
  CHECK(JsonAt(r.body, "/result/reference/ready") == "false");
  CHECK(JsonAt(r.body, "/result/status") == "ok");

  // A smaller reference and windows, so the test stays quick.
  REQUIRE(http.Put("/collections/d/drift/config", R"({"reference_size":5000,"window_points":1000})").status == 200);
  Upload(http, "d", words, 0, 8000, 0);
  r = http.Get("/collections/d/drift");
  REQUIRE(r.status == 200);
  CHECK(JsonAt(r.body, "/result/reference/ready") == "true");
  CHECK(JsonAt(r.body, "/result/reference/points") == "5000");
  CHECK(JsonAt(r.body, "/result/observed_points") == "8000");
  CHECK(JsonAt(r.body, "/result/status") == "ok");
  CHECK(JsonAt(r.body, "/result/windows/0/points") == "1000");
  CHECK(JsonAt(r.body, "/result/config/window_points") == "1000");

  // Definitions: drift within one window, naming what tripped.
  Upload(http, "d", definitions, 0, 1000, 100000);
  r = http.Get("/collections/d/drift?limit=2");
  REQUIRE(r.status == 200);
  CHECK(JsonAt(r.body, "/result/status") == "drift");
  CHECK(JsonAt(r.body, "/result/tripped") != "[]");
  CHECK(JsonAt(r.body, "/result/windows/0/status") == "drift");
  CHECK(JsonAt(r.body, "/result/windows/1/status") == "ok");
  // The same on GET /metrics, as Prometheus gauges.
  r = http.Get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("sextant_drift_status{collection=\"d\"} 2\n") != std::string::npos);
  CHECK(r.body.find("sextant_drift_observed_points_total{collection=\"d\"} 9000\n") != std::string::npos);
  CHECK(r.body.find("sextant_drift_metric{collection=\"d\",metric=\"mean_cosine\"} ") != std::string::npos);
  CHECK(r.body.find("sextant_drift_tripped{collection=\"d\",metric=\"") != std::string::npos);
  CHECK(r.body.find("sextant_collection_points{collection=\"d\"} 9000\n") != std::string::npos);
  // A time line of minutes: every point so far falls in the last few.
  r = http.Get("/collections/d/drift?window=minute&limit=5");
  REQUIRE(r.status == 200);
  CHECK(JsonAt(r.body, "/result/window") == "minute");
  CHECK(JsonAt(r.body, "/result/windows/0/points") != "0");

  // Bad input: 4xx in the error envelope, nothing changed.
  ExpectError(http.Get("/collections/d/drift?window=fortnight"), 400, "window");
  ExpectError(http.Get("/collections/d/drift?limit=0"), 400, "limit");
  ExpectError(http.Get("/collections/nope/drift"), 404, "nope");
  ExpectError(http.Put("/collections/d/drift/config", "{\"reference_size\":"), 400, "");
  ExpectError(http.Put("/collections/d/drift/config", R"({"window_point":10})"), 400, "window_point");
  ExpectError(http.Put("/collections/d/drift/config", R"({"reference_size":1})"), 400, "reference_size");
  ExpectError(http.Put("/collections/d/drift/config", R"({"reference_size":-5})"), 400, "reference_size");
  ExpectError(http.Put("/collections/d/drift/config", R"({"thresholds":{"mmd":{"warning":0.5,"drift":0.1}}})"), 400,
              "mmd");
  ExpectError(http.Put("/collections/d/drift/config", R"({"thresholds":{"mmd":{"warning":"high"}}})"), 400, "mmd");
  ExpectError(http.Put("/collections/d/drift/config", R"({"enabled":"yes"})"), 400, "enabled");
  ExpectError(http.Post("/collections/nope/drift/baseline", ""), 404, "nope");
  r = http.Get("/collections/d/drift");
  CHECK(JsonAt(r.body, "/result/config/reference_size") == "5000");
  CHECK(JsonAt(r.body, "/result/config/thresholds/mmd/warning") == "0.015");
  // A value beyond float range (infinite once read): refused, and counted.
  std::string infinite = R"({"points":[{"id":1,"vector":[)";
  for (int i = 0; i < 99; ++i) infinite += "0.1,";
  infinite += "1e39]}]}";
  ExpectError(http.Put("/collections/d/points?wait=true", infinite), 400, "");
  // ... through the bulk endpoint too, as NDJSON and as raw f32.
  std::string line = R"({"id":7,"vector":[)";
  for (int i = 0; i < 99; ++i) line += "0.1,";
  line += "1e39]}\n";
  ExpectError(http.Post("/collections/d/points/bulk?format=ndjson", line), 400, "line 1");
  std::vector<float> raw(100, 0.1f);
  raw[42] = std::nanf("");
  ExpectError(http.Post("/collections/d/points/bulk?format=f32&start_id=500000",
                        std::string(reinterpret_cast<const char*>(raw.data()), raw.size() * sizeof(float))),
              400, "record 0");
  r = http.Get("/collections/d/drift");
  CHECK(JsonAt(r.body, "/result/non_finite_rejected") == "3");
  const std::string windows_before = JsonAt(r.body, "/result/windows");

  // A restart keeps the reference and the history.
  server.Restart();
  HttpClient again(server.port());
  r = again.Get("/collections/d/drift");
  REQUIRE(r.status == 200);
  CHECK(JsonAt(r.body, "/result/reference/ready") == "true");
  CHECK(JsonAt(r.body, "/result/reference/points") == "5000");
  CHECK(JsonAt(r.body, "/result/observed_points") == "9000");
  CHECK(JsonAt(r.body, "/result/non_finite_rejected") == "3");
  CHECK(JsonAt(r.body, "/result/status") == "drift");
  CHECK(JsonAt(r.body, "/result/windows") == windows_before);

  // Pinning the recent definitions makes them the reference: more
  // definitions are then ok. Reset goes back to collecting.
  Upload(again, "d", definitions, 1000, 3000, 200000);
  REQUIRE(again.Post("/collections/d/drift/baseline", "").status == 200);
  r = again.Get("/collections/d/drift");
  CHECK(JsonAt(r.body, "/result/reference/pinned") == "true");
  Upload(again, "d", definitions, 3000, 4000, 300000);
  r = again.Get("/collections/d/drift");
  CHECK(JsonAt(r.body, "/result/status") == "ok");
  REQUIRE(again.Delete("/collections/d/drift/baseline").status == 200);
  r = again.Get("/collections/d/drift");
  CHECK(JsonAt(r.body, "/result/reference/ready") == "false");
  CHECK(JsonAt(r.body, "/result/reference/pinned") == "false");

  // Off: writes are not watched.
  REQUIRE(again.Put("/collections/d/drift/config", R"({"enabled":false})").status == 200);
  Upload(again, "d", words, 8000, 8500, 400000);
  r = again.Get("/collections/d/drift");
  CHECK(JsonAt(r.body, "/result/enabled") == "false");
  CHECK(JsonAt(r.body, "/result/reference/points") == "0");
}

}  // namespace sextant::testing
