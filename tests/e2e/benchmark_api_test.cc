// POST/DELETE /collections/{collection_name}/benchmark against the real binary
// on siftsmall: recall figures, bad input, one benchmark at a time (429),
// cancel, the time budget, live searches meanwhile, SIGTERM mid-run, and
// deleting the collection mid-run.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <csignal>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "support/datasets.h"
#include "support/json_body.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/wait_green.h"

namespace sextant::testing {

namespace {

const std::string kPath = "/collections/sift/benchmark";
// Seconds of work (every query, the largest k, a beam wider than the
// collection), so that the test can act while it runs.
const std::string kLong = R"({"queries":1000,"limit":1000,"params":{"hnsw_ef":20000},"timeout":600})";

double NumberAt(const std::string& json, const char* pointer) {
  const std::string text = JsonAt(json, pointer);
  INFO(pointer << " in " << json);
  REQUIRE_FALSE(text.empty());
  REQUIRE(text != "null");
  return std::stod(text);
}

void CheckStatus(const HttpResult& r, int status, const std::string& fragment = "") {
  INFO(r.body);
  CHECK(r.status == status);
  if (status >= 400) {
    CHECK(JsonAt(r.body, "/status/error").find(fragment) != std::string::npos);
  }
}

// Starts kLong on its own connection and waits until the server says a
// benchmark runs (a second POST gets 429); returns the pending answer.
std::future<HttpResult> StartLong(uint16_t port, HttpClient& http) {
  const auto launch = [port] {
    return std::async(std::launch::async, [port] {
      HttpClient own(port);
      return own.Post(kPath, kLong);
    });
  };
  auto pending = launch();
  for (int i = 0; i < 400; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    // The probe costs nothing, but if it holds the slot when the long one
    // arrives, that one gets the 429: launch it again.
    auto probe = http.Post(kPath, R"({"queries":1,"timeout":0.000001})");
    if (probe.status == 429) {
      CHECK(JsonAt(probe.body, "/status/error").find("already running") != std::string::npos);
      return pending;
    }
    REQUIRE(probe.status == 200);
    if (pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      const HttpResult early = pending.get();
      INFO(early.body);
      REQUIRE(early.status == 429);
      pending = launch();
    }
  }
  FAIL("the long benchmark never started");
  return pending;
}

}  // namespace

TEST_CASE("Benchmark endpoint on siftsmall reports figures and handles bounds and 429 and cancel and budget and delete", "[e2e][benchmark]") {
  const std::string dir = SharedDataDir() + "/siftsmall";
  const Matrix base = ReadFvecs(dir + "/base.fvecs");
  const Matrix queries = ReadFvecs(dir + "/query.fvecs");
  REQUIRE(base.rows == 10000);

  TempDir data;
  ServerProcess server(data.path());
  HttpClient http(server.port());
  // A threshold low enough that HNSW segments exist (the data is 5,000 KB).
  REQUIRE(http.Put("/collections/sift", R"({"vectors":{"size":128,"distance":"Euclid"},)"
                                        R"("optimizers_config":{"indexing_threshold":1000}})")
              .status == 200);
  for (size_t b = 0; b < base.rows; b += 1000) {
    REQUIRE(http.Put("/collections/sift/points?wait=true", BatchBody(base.data.data(), base.dim, b, b + 1000)).status ==
            200);
  }
  WaitGreen(http, "sift");

  {  // exact params: recall 1; default params: recall in [0, 1], near 1
    auto exact = http.Post(kPath, R"({"queries":50,"limit":10,"seed":3,"params":{"exact":true}})");
    REQUIRE(exact.status == 200);
    CHECK(JsonAt(exact.body, "/status") == "ok");
    CHECK(NumberAt(exact.body, "/result/recall") == 1.0);
    CHECK(NumberAt(exact.body, "/result/recall_min") == 1.0);
    CHECK(NumberAt(exact.body, "/result/queries") == 50);
    CHECK(NumberAt(exact.body, "/result/limit") == 10);
    CHECK(JsonAt(exact.body, "/result/params/exact") == "true");
    CHECK(JsonAt(exact.body, "/result/cancelled") == "false");
    CHECK(JsonAt(exact.body, "/result/truncated") == "false");
    CHECK(NumberAt(exact.body, "/result/exact_latency_ms/mean") > 0);

    auto ann = http.Post(kPath, "{}");  // 100 sampled points, limit 10, the collection's defaults
    REQUIRE(ann.status == 200);
    const double recall = NumberAt(ann.body, "/result/recall");
    WARN("siftsmall benchmark recall@10 at the default ef: " << recall);
    CHECK(recall >= 0.9);
    CHECK(recall <= 1.0);
    CHECK(NumberAt(ann.body, "/result/recall_min") <= recall);
    CHECK(NumberAt(ann.body, "/result/queries") == 100);
    CHECK(NumberAt(ann.body, "/result/params/hnsw_ef") == 128);
    const double p50 = NumberAt(ann.body, "/result/latency_ms/p50");
    CHECK(p50 <= NumberAt(ann.body, "/result/latency_ms/p95"));
    CHECK(NumberAt(ann.body, "/result/latency_ms/p95") <= NumberAt(ann.body, "/result/latency_ms/p99"));
    CHECK(NumberAt(ann.body, "/result/latency_ms/mean") > 0);
    CHECK(NumberAt(ann.body, "/result/elapsed_s") > 0);

    // Given query vectors, and a filter.
    std::string body = R"({"limit":5,"params":{"hnsw_ef":64},"vectors":[)";
    for (size_t q = 0; q < 10; ++q) {
      if (q > 0) body.push_back(',');
      AppendFloats(&body, queries.row(q), queries.dim);
    }
    auto given = http.Post(kPath, body + "]}");
    REQUIRE(given.status == 200);
    CHECK(NumberAt(given.body, "/result/queries") == 10);
    CHECK(NumberAt(given.body, "/result/params/hnsw_ef") == 64);
    auto filtered = http.Post(kPath, R"({"queries":20,"filter":{"must":[{"has_id":[1,2,3,4,5]}]},"params":{"exact":true}})");
    REQUIRE(filtered.status == 200);
    CHECK(NumberAt(filtered.body, "/result/recall") == 1.0);
  }

  {  // bad input: 400; unknown collection: 404; nothing to cancel: 404
    CheckStatus(http.Post(kPath, R"({"queries":1001})"), 400, "queries");
    CheckStatus(http.Post(kPath, R"({"queries":0})"), 400, "queries");
    CheckStatus(http.Post(kPath, R"({"limit":1001})"), 400, "limit");
    CheckStatus(http.Post(kPath, R"({"limit":0})"), 400, "limit");
    CheckStatus(http.Post(kPath, R"({"timeout":601})"), 400, "timeout");
    CheckStatus(http.Post(kPath, R"({"timeout":0})"), 400, "timeout");
    CheckStatus(http.Post(kPath, R"({"vectors":[[1,2,3]]})"), 400, "dimension");
    CheckStatus(http.Post(kPath, R"({"vectors":[]})"), 400, "vectors");
    std::string inf = "{\"vectors\":[[1e39";  // beyond float range: infinite
    for (int i = 1; i < 128; ++i) inf += ",0";
    CheckStatus(http.Post(kPath, inf + "]]}"), 400, "NaN");
    CheckStatus(http.Post(kPath, R"({"using":"image"})"), 400, "vector name");
    CheckStatus(http.Post(kPath, R"({"queries":5,"vectors":[[1]]})"), 400, "not both");
    CheckStatus(http.Post(kPath, R"({"querys":5})"), 400, "unknown field");
    CheckStatus(http.Post(kPath, R"({"params":{"hnsw_ef":"wide"}})"), 400, "hnsw_ef");
    CheckStatus(http.Post(kPath, R"({"params":{"quantization":{"oversampling":0.5}}})"), 400, "oversampling");
    CheckStatus(http.Post(kPath, R"({"filter":{"must":[{"nope":1}]}})"), 400, "");
    CheckStatus(http.Post(kPath, R"({"queries":)"), 400, "");
    CheckStatus(http.Post("/collections/nope/benchmark", "{}"), 404, "nope");
    REQUIRE(http.Put("/collections/empty", R"({"vectors":{"size":4,"distance":"Dot"}})").status == 200);
    CheckStatus(http.Post("/collections/empty/benchmark", "{}"), 400, "no points to sample");
    CheckStatus(http.Delete(kPath), 404, "No benchmark");
    CHECK(http.Get("/healthz").status == 200);
  }

  {  // one at a time (429), searches go on, DELETE cancels with partial figures
    auto pending = StartLong(server.port(), http);
    std::string search = R"({"limit":10,"vector":)";
    AppendFloats(&search, queries.row(0), queries.dim);
    auto live = http.Post("/collections/sift/points/search", search + "}");
    CHECK(live.status == 200);
    CheckStatus(http.Delete("/collections/other/benchmark"), 404, "other");
    CheckStatus(http.Delete(kPath), 200);
    auto cancelled = pending.get();
    REQUIRE(cancelled.status == 200);
    CHECK(JsonAt(cancelled.body, "/result/cancelled") == "true");
    CHECK(JsonAt(cancelled.body, "/result/truncated") == "false");
    CHECK(NumberAt(cancelled.body, "/result/queries") < 1000);
    // The slot is free again.
    CHECK(http.Post(kPath, R"({"queries":5})").status == 200);
  }

  {  // the time budget stops it with what it measured
    auto r = http.Post(kPath, R"({"queries":1000,"limit":1000,"params":{"hnsw_ef":20000},"timeout":0.5})");
    REQUIRE(r.status == 200);
    CHECK(JsonAt(r.body, "/result/truncated") == "true");
    CHECK(JsonAt(r.body, "/result/cancelled") == "false");
    CHECK(NumberAt(r.body, "/result/queries") < 1000);
    CHECK(NumberAt(r.body, "/result/elapsed_s") < 30);
  }

  {  // SIGTERM: the running benchmark answers with what it measured, then the server exits
    auto pending = StartLong(server.port(), http);
    const int status = server.Stop(SIGTERM);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    auto r = pending.get();
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(JsonAt(r.body, "/result/cancelled") == "true");
    server.Start();
  }

  HttpClient again(server.port());
  {  // deleting the collection mid-run ends the benchmark; the server goes on
    auto pending = StartLong(server.port(), again);
    CHECK(again.Delete("/collections/sift").status == 200);
    auto r = pending.get();
    CheckStatus(r, 404, "deleted during the benchmark");
    CHECK(again.Get("/collections").status == 200);
    CHECK(again.Get("/healthz").status == 200);
  }
}

}  // namespace sextant::testing
