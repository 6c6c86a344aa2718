// Request limits through the real binary, each at its boundary: the largest
// allowed value is served, one more is refused with a 400 (413 for the body)
// in the error envelope naming the limit, and the server keeps serving. The
// table of limits is in docs/API.md#errors-and-limits; keep both in step.
#include <catch2/catch.hpp>

#include <string>

#include "support/json_body.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

void ExpectRefused(const HttpResult& r, int status, const std::string& fragment) {
  CHECK(r.status == status);
  INFO(r.body);
  CHECK(JsonAt(r.body, "/status/error").find(fragment) != std::string::npos);
}

// A filter whose deepest sub-filter is `depth` levels below the top one (the
// top is level 0): must -> must -> ... -> has_id.
std::string NestedFilter(int depth) {
  std::string f = R"({"has_id":[1]})";
  for (int i = 0; i <= depth; ++i) f = R"({"must":[)" + f + "]}";
  return f;
}

// A filter of `n` conditions side by side.
std::string WideFilter(int n) {
  std::string f = R"({"should":[)";
  for (int i = 0; i < n; ++i) f += std::string(i ? "," : "") + R"({"has_id":[1]})";
  return f + "]}";
}

std::string SearchBatch(int n) {
  std::string b = R"({"searches":[)";
  for (int i = 0; i < n; ++i) b += std::string(i ? "," : "") + R"({"vector":[1,0],"limit":1})";
  return b + "]}";
}

}  // namespace

TEST_CASE("Request limits: served at the limit, 4xx one past it", "[e2e][limits]") {
  TempDir tmp;
  ServerProcess server(tmp.Sub("data"), {"--body-limit-mb", "1"});
  HttpClient http(server.port());
  REQUIRE(http.Put("/collections/c", R"({"vectors":{"size":2,"distance":"Dot"}})").status == 200);
  REQUIRE(http.Put("/collections/c/points?wait=true",
                   R"({"points":[{"id":1,"vector":[1,0]},{"id":2,"vector":[0,1]}]})").status == 200);

  SECTION("body size") {
    // Just under 1 MiB of points is parsed (and refused only for what it says);
    // just over is refused before it is read.
    std::string under(1024 * 1024 - 64, ' ');
    auto ok = http.Put("/collections/c/points?wait=true", R"({"points":[{"id":3,"vector":[1,1]}]})" + under);
    CHECK(ok.status == 200);
    std::string over(1024 * 1024 + 1, ' ');
    CHECK(http.Put("/collections/c/points?wait=true", R"({"points":[]})" + over).status == 413);
  }
  SECTION("limit + offset on search and query") {
    CHECK(http.Post("/collections/c/points/search", R"({"vector":[1,0],"limit":100000})").status == 200);
    ExpectRefused(http.Post("/collections/c/points/search", R"({"vector":[1,0],"limit":100001})"), 400, "100000");
    ExpectRefused(http.Post("/collections/c/points/search", R"({"vector":[1,0],"limit":99999,"offset":2})"), 400,
                  "100000");
    ExpectRefused(http.Post("/collections/c/points/query", R"({"query":[1,0],"limit":100001})"), 400, "100000");
    ExpectRefused(http.Post("/collections/c/points/search", R"({"vector":[1,0],"limit":0})"), 400, "limit");
  }
  SECTION("searches per batch") {
    CHECK(http.Post("/collections/c/points/search/batch", SearchBatch(1000)).status == 200);
    ExpectRefused(http.Post("/collections/c/points/search/batch", SearchBatch(1001)), 400, "1000");
  }
  SECTION("hnsw_ef") {
    CHECK(http.Post("/collections/c/points/search", R"({"vector":[1,0],"limit":1,"params":{"hnsw_ef":65536}})").status ==
          200);
    ExpectRefused(http.Post("/collections/c/points/search", R"({"vector":[1,0],"limit":1,"params":{"hnsw_ef":65537}})"),
                  400, "65536");
  }
  SECTION("scroll limit") {
    CHECK(http.Post("/collections/c/points/scroll", R"({"limit":100000})").status == 200);
    ExpectRefused(http.Post("/collections/c/points/scroll", R"({"limit":100001})"), 400, "100000");
  }
  SECTION("filter depth and size") {
    auto search = [&](const std::string& filter) {
      return http.Post("/collections/c/points/search", R"({"vector":[1,0],"limit":1,"filter":)" + filter + "}");
    };
    CHECK(search(NestedFilter(32)).status == 200);
    ExpectRefused(search(NestedFilter(33)), 400, "deeper than 32");
    CHECK(search(WideFilter(1000)).status == 200);
    ExpectRefused(search(WideFilter(1001)), 400, "1000");
    ExpectRefused(http.Post("/collections/c/points/count", R"({"filter":)" + NestedFilter(33) + "}"), 400,
                  "deeper than 32");
  }
  SECTION("drift history") {
    CHECK(http.Get("/collections/c/drift?limit=10000").status == 200);
    ExpectRefused(http.Get("/collections/c/drift?limit=10001"), 400, "10000");
  }
  SECTION("vector size") {
    CHECK(http.Put("/collections/wide", R"({"vectors":{"size":65536,"distance":"Dot"}})").status == 200);
    ExpectRefused(http.Put("/collections/wider", R"({"vectors":{"size":65537,"distance":"Dot"}})"), 400, "65536");
  }

  // Nothing refused changed anything, and the server still serves.
  auto count = http.Post("/collections/c/points/count", R"({"exact":true})");
  REQUIRE(count.status == 200);
  CHECK((JsonAt(count.body, "/result/count") == "2" || JsonAt(count.body, "/result/count") == "3"));
  CHECK(http.Get("/readyz").status == 200);
}

}  // namespace sextant::testing
