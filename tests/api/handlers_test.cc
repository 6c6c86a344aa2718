// Handlers called directly through the Router: no sockets.
#include <catch2/catch.hpp>

#include "api/handlers/handlers.h"
#include "api/router.h"
#include "storage/collection_store.h"
#include "support/temp_dir.h"

namespace sextant::api {

namespace {

struct Api {
  testing::TempDir dir;
  std::unique_ptr<Database> db;
  Router router;
  std::shared_ptr<StorageFaults> faults = std::make_shared<StorageFaults>();
  Api() {
    DatabaseOptions options;
    options.data_dir = dir.path();
    options.faults = faults;
    db = std::move(Database::Open(options)).value();
    RegisterAllRoutes(router, *db, "test");
  }
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    const size_t q = path.find('?');
    req.path = path.substr(0, q);
    if (q != std::string::npos) {
      const std::string kv = path.substr(q + 1);
      req.query[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    req.body = body;
    return router.Dispatch(req);
  }
};

bool IsErrorEnvelope(const HttpResponse& r) {
  return r.body.rfind("{\"status\":{\"error\":", 0) == 0 && r.body.find("\"time\":") != std::string::npos;
}

}  // namespace

TEST_CASE("Every bad input gets a 4xx error envelope and changes nothing", "[api]") {
  Api api;
  REQUIRE(api.Call("PUT", "/collections/c", R"({"vectors":{"size":3,"distance":"Dot"}})").status == 200);
  REQUIRE(api.Call("PUT", "/collections/c/points", R"({"points":[{"id":1,"vector":[1,2,3]}]})").status == 200);

  struct Case {
    const char* name;
    const char* method;
    const char* path;
    const char* body;
    int status;
  };
  const Case cases[] = {
      {"malformed JSON", "PUT", "/collections/c/points", R"({"points":[{"id":2,"vector":[1,2,3])", 400},
      {"body not an object", "PUT", "/collections/c/points", "[1,2]", 400},
      {"wrong dimension", "PUT", "/collections/c/points", R"({"points":[{"id":2,"vector":[1,2]}]})", 400},
      {"NaN literal", "PUT", "/collections/c/points", R"({"points":[{"id":2,"vector":[1,NaN,3]}]})", 400},
      {"overflow to infinity", "PUT", "/collections/c/points", R"({"points":[{"id":2,"vector":[1,1e39,3]}]})", 400},
      {"string in vector", "PUT", "/collections/c/points", R"({"points":[{"id":2,"vector":[1,"2",3]}]})", 400},
      {"negative id", "PUT", "/collections/c/points", R"({"points":[{"id":-2,"vector":[1,2,3]}]})", 400},
      {"bad uuid", "PUT", "/collections/c/points", R"({"points":[{"id":"nope","vector":[1,2,3]}]})", 400},
      {"float id", "PUT", "/collections/c/points", R"({"points":[{"id":2.5,"vector":[1,2,3]}]})", 400},
      {"payload not object", "PUT", "/collections/c/points", R"({"points":[{"id":2,"vector":[1,2,3],"payload":[1]}]})", 400},
      {"empty batch", "PUT", "/collections/c/points", R"({"points":[]})", 400},
      {"empty columnar batch", "PUT", "/collections/c/points", R"({"batch":{"ids":[],"vectors":[]}})", 400},
      {"batch length mismatch", "PUT", "/collections/c/points", R"({"batch":{"ids":[2,3],"vectors":[[1,2,3]]}})", 400},
      {"neither points nor batch", "PUT", "/collections/c/points", R"({"vectors":[]})", 400},
      {"unknown collection", "PUT", "/collections/nope/points", R"({"points":[{"id":2,"vector":[1,2,3]}]})", 404},
      {"duplicate collection", "PUT", "/collections/c", R"({"vectors":{"size":3,"distance":"Dot"}})", 409},
      {"unknown distance", "PUT", "/collections/d", R"({"vectors":{"size":3,"distance":"L2"}})", 400},
      {"zero size", "PUT", "/collections/d", R"({"vectors":{"size":0,"distance":"Dot"}})", 400},
      {"missing vectors", "PUT", "/collections/d", R"({})", 400},
      {"bad hnsw m", "PUT", "/collections/d", R"({"vectors":{"size":3,"distance":"Dot"},"hnsw_config":{"m":1}})", 400},
      {"bad name", "PUT", "/collections/a@b", R"({"vectors":{"size":3,"distance":"Dot"}})", 400},
      {"unknown write policy", "PUT", "/collections/d", R"({"vectors":{"size":3,"distance":"Dot"},"wal_config":{"write_policy":"sometimes"}})", 400},
      {"wal_config not an object", "PUT", "/collections/d", R"({"vectors":{"size":3,"distance":"Dot"},"wal_config":3})", 400},
      {"query wrong dimension", "POST", "/collections/c/points/query", R"({"query":[1,2]})", 400},
      {"query limit zero", "POST", "/collections/c/points/query", R"({"query":[1,2,3],"limit":0})", 400},
      {"query huge limit", "POST", "/collections/c/points/query", R"({"query":[1,2,3],"limit":10000000})", 400},
      {"query bad mmr", "POST", "/collections/c/points/query", R"({"query":{"nearest":[1,2,3],"mmr":{"diversity":2}}})", 400},
      {"query unknown vector name", "POST", "/collections/c/points/query", R"({"query":[1,2,3],"using":"image"})", 400},
      {"query missing point", "POST", "/collections/c/points/query", R"({"query":42})", 404},
      {"search without vector", "POST", "/collections/c/points/search", R"({"limit":3})", 400},
      {"search unknown collection", "POST", "/collections/nope/points/search", R"({"vector":[1,2,3]})", 404},
      {"batch with a bad entry", "POST", "/collections/c/points/search/batch", R"({"searches":[{"vector":[1,2,3]},{"vector":[1]}]})", 400},
      {"bad with_payload", "POST", "/collections/c/points/scroll", R"({"with_payload":{"only":["a"]}})", 400},
      {"scroll bad offset", "POST", "/collections/c/points/scroll", R"({"offset":"x"})", 400},
      {"retrieve without ids", "POST", "/collections/c/points", R"({})", 400},
      {"get invalid id", "GET", "/collections/c/points/not-an-id", "", 400},
      {"get missing point", "GET", "/collections/c/points/77", "", 404},
      {"delete bad ids", "POST", "/collections/c/points/delete", R"({"points":[true]})", 400},
      {"wait not a bool", "PUT", "/collections/c/points?wait=maybe", R"({"points":[{"id":2,"vector":[1,2,3]}]})", 400},
      {"wrong method", "DELETE", "/collections/c/points/scroll", "", 405},
      {"unknown path", "GET", "/nothing/here", "", 404},
      {"info of unknown collection", "GET", "/collections/nope", "", 404},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    HttpResponse r = api.Call(c.method, c.path, c.body);
    CHECK(r.status == c.status);
    CHECK(IsErrorEnvelope(r));
  }
  // Nothing of the above was stored.
  HttpResponse count = api.Call("POST", "/collections/c/points/count", "");
  CHECK(count.body.find("\"count\":1") != std::string::npos);
  CHECK(api.Call("GET", "/collections/d").status == 404);
}

TEST_CASE("Qdrant's response shapes: envelope, GET /, exists, scroll pages", "[api]") {
  Api api;
  HttpResponse root = api.Call("GET", "/");
  CHECK(root.status == 200);
  CHECK(root.body.find("\"title\":\"sextant - vector search engine\"") != std::string::npos);
  CHECK(root.body.find("\"version\":\"1.19.0\"") != std::string::npos);
  CHECK(api.Call("GET", "/healthz").body == "healthz check passed");
  CHECK(api.Call("GET", "/collections/c/exists").body.find("\"result\":{\"exists\":false}") != std::string::npos);
  REQUIRE(api.Call("PUT", "/collections/c", R"({"vectors":{"size":2,"distance":"Euclid"}})").body.find("\"result\":true") !=
          std::string::npos);
  HttpResponse up = api.Call("PUT", "/collections/c/points?wait=true",
                             R"({"batch":{"ids":[3,1,"00000000-0000-0000-0000-000000000001",2],)"
                             R"("vectors":[[3,0],[1,0],[9,9],[2,0]],"payloads":[{"k":3},null,{"k":"u"},{"k":2}]}})");
  CHECK(up.body.find("\"status\":\"completed\"") != std::string::npos);
  HttpResponse page = api.Call("POST", "/collections/c/points/scroll", R"({"limit":2})");
  CHECK(page.body.find(R"("points":[{"id":1,"payload":{}},{"id":2,"payload":{"k":2}}],"next_page_offset":3)") !=
        std::string::npos);
  page = api.Call("POST", "/collections/c/points/scroll", R"({"limit":2,"offset":3})");
  CHECK(page.body.find(R"("next_page_offset":null)") != std::string::npos);
  CHECK(page.body.find(R"("id":"00000000-0000-0000-0000-000000000001")") != std::string::npos);
  // Euclid scores are true distances, ascending.
  HttpResponse q = api.Call("POST", "/collections/c/points/search", R"({"vector":[0,0],"limit":2,"with_payload":["k"]})");
  CHECK(q.body.find(R"("result":[{"id":1,"version":1,"score":1,"payload":{}},{"id":2,"version":1,"score":2,"payload":{"k":2}}])") !=
        std::string::npos);
  HttpResponse t = api.Call("POST", "/collections/c/points/query", R"({"query":[0,0],"score_threshold":1.5})");
  CHECK(t.body.find(R"("points":[{"id":1,"version":1,"score":1}])") != std::string::npos);
  HttpResponse by_id = api.Call("POST", "/collections/c/points/query", R"({"query":1,"limit":1})");
  CHECK(by_id.body.find(R"("points":[{"id":2,)") != std::string::npos);
  HttpResponse wait_false = api.Call("PUT", "/collections/c/points?wait=false", R"({"points":[{"id":5,"vector":[5,0]}]})");
  CHECK(wait_false.body.find("\"status\":\"acknowledged\"") != std::string::npos);
  // The write policy: synced unless asked otherwise, shown under wal_config.
  CHECK(api.Call("GET", "/collections/c").body.find(R"("write_policy":"synced")") != std::string::npos);
  REQUIRE(api.Call("PUT", "/collections/fast",
                   R"({"vectors":{"size":2,"distance":"Dot"},"wal_config":{"write_policy":"async"}})").status == 200);
  CHECK(api.Call("GET", "/collections/fast").body.find(R"("write_policy":"async")") != std::string::npos);
  CHECK(api.Call("PUT", "/collections/fast/points", R"({"points":[{"id":1,"vector":[1,0]}]})").status == 200);
  CHECK(api.Call("GET", "/collections/fast/points/1").status == 200);
}

TEST_CASE("MMR trades relevance for diversity among the candidates", "[api]") {
  Api api;
  REQUIRE(api.Call("PUT", "/collections/m", R"({"vectors":{"size":2,"distance":"Cosine"}})").status == 200);
  // Two near-duplicates close to the query and one different direction.
  REQUIRE(api.Call("PUT", "/collections/m/points",
                   R"({"points":[{"id":1,"vector":[1,0.01]},{"id":2,"vector":[1,0.02]},{"id":3,"vector":[0.6,0.8]}]})")
              .status == 200);
  HttpResponse plain = api.Call("POST", "/collections/m/points/query", R"({"query":[1,0],"limit":2})");
  CHECK(plain.body.find(R"("points":[{"id":1,)") != std::string::npos);
  CHECK(plain.body.find(R"({"id":2,)") != std::string::npos);
  HttpResponse mmr = api.Call("POST", "/collections/m/points/query",
                              R"({"query":{"nearest":[1,0],"mmr":{"diversity":0.9,"candidates_limit":3}},"limit":2})");
  CHECK(mmr.body.find(R"("points":[{"id":1,)") != std::string::npos);
  CHECK(mmr.body.find(R"({"id":3,)") != std::string::npos);
  CHECK(mmr.body.find(R"({"id":2,)") == std::string::npos);
  // By a point's id: the point itself never takes part, with MMR too.
  HttpResponse by_id = api.Call("POST", "/collections/m/points/query",
                                R"({"query":{"nearest":1,"mmr":{"diversity":0.9,"candidates_limit":3}},"limit":2})");
  CHECK(by_id.body.find(R"("points":[{"id":2,)") != std::string::npos);
  CHECK(by_id.body.find(R"({"id":3,)") != std::string::npos);
  CHECK(by_id.body.find(R"({"id":1,)") == std::string::npos);
}

}  // namespace sextant::api

namespace sextant::api {

TEST_CASE("A full disk gives writes a 5xx error envelope while reads keep answering", "[api][faults]") {
  Api api;
  REQUIRE(api.Call("PUT", "/collections/c", R"({"vectors":{"size":3,"distance":"Dot"}})").status == 200);
  REQUIRE(api.Call("PUT", "/collections/c/points?wait=true", R"({"points":[{"id":1,"vector":[1,2,3]}]})").status == 200);
  api.faults->disk_full = true;
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PUT", "/collections/c/points?wait=true", R"({"points":[{"id":2,"vector":[1,2,3]}]})"},
           {"POST", "/collections/c/points/delete?wait=true", R"({"points":[1]})"}}) {
    const HttpResponse r = api.Call(method, path, body);
    INFO(method << " " << path << " -> " << r.body);
    CHECK(r.status >= 500);
    CHECK(IsErrorEnvelope(r));
  }
  CHECK(api.Call("GET", "/collections/c/points/1").status == 200);
  const HttpResponse q = api.Call("POST", "/collections/c/points/query", R"({"query":[1,2,3],"limit":3})");
  CHECK(q.status == 200);
  CHECK(q.body.find("\"id\":1") != std::string::npos);
  CHECK(q.body.find("\"id\":2") == std::string::npos);
  CHECK(api.Call("GET", "/collections/c").status == 200);
}

}  // namespace sextant::api

namespace sextant::api {

TEST_CASE("Bad filters, payload operations and index requests get a 4xx and change nothing", "[api][filter]") {
  Api api;
  REQUIRE(api.Call("PUT", "/collections/c", R"({"vectors":{"size":2,"distance":"Euclid"}})").status == 200);
  REQUIRE(api.Call("PUT", "/collections/c/points?wait=true",
                   R"({"points":[{"id":1,"vector":[1,0],"payload":{"city":"Berlin","n":1,"t":"2024-01-01T00:00:00Z"}},)"
                   R"({"id":2,"vector":[2,0],"payload":{"city":"Paris","n":2}}]})")
              .status == 200);
  REQUIRE(api.Call("PUT", "/collections/c/index?wait=true", R"({"field_name":"city","field_schema":"keyword"})").status == 200);
  REQUIRE(api.Call("PUT", "/collections/c/index", R"({"field_name":"n","field_schema":{"type":"integer"}})").status == 200);
  const std::string info_before = api.Call("GET", "/collections/c").body;
  CHECK(info_before.find(R"("payload_schema":{"city":{"data_type":"keyword","points":2},"n":{"data_type":"integer","points":2}})") !=
        std::string::npos);
  const std::string points_before = api.Call("POST", "/collections/c/points", R"({"ids":[1,2]})").body;

  std::string deep = R"({"key":"city","match":{"value":"Berlin"}})";
  for (int i = 0; i < 40; ++i) deep = R"({"must":[)" + deep + "]}";
  const std::string too_deep = R"({"filter":)" + deep + "}";
  std::string many = R"({"filter":{"should":[)";
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + R"({"has_id":[1]})";
  many += "]}}";

  struct Case {
    const char* name;
    const char* method;
    std::string path;
    std::string body;
    int status;
  };
  const Case cases[] = {
      {"unknown condition", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"foo":1}]}})", 400},
      {"unknown filter key", "POST", "/collections/c/points/count", R"({"filter":{"wrong":"query"}})", 400},
      {"filter not an object", "POST", "/collections/c/points/scroll", R"({"filter":[1]})", 400},
      {"unknown key in a field condition", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"n","mtach":{"value":1}}]}})", 400},
      {"field condition without a test", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"n"}]}})", 400},
      {"integer on a keyword index", "POST", "/collections/c/points/query", R"({"query":[0,0],"filter":{"must":[{"key":"city","match":{"value":3}}]}})", 400},
      {"range on a keyword index", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"city","range":{"gt":1}}]}})", 400},
      {"string on an integer index", "POST", "/collections/c/points/search", R"({"vector":[0,0],"filter":{"must":[{"key":"n","match":{"value":"1"}}]}})", 400},
      {"datetime range on an integer index", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"n","range":{"gt":"2024-01-01"}}]}})", 400},
      {"float match", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"x","match":{"value":1.5}}]}})", 400},
      {"mixed any", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"x","match":{"any":["a",1]}}]}})", 400},
      {"range bound not a number", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"x","range":{"gt":true}}]}})", 400},
      {"range with an unknown bound", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"x","range":{"between":[1,2]}}]}})", 400},
      {"range mixing numbers and datetimes", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"t","range":{"gt":1,"lt":"2024-01-01"}}]}})", 400},
      {"invalid datetime", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"t","range":{"gte":"2024-02-30T00:00:00Z"}}]}})", 400},
      {"negative values_count", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"x","values_count":{"gt":-1}}]}})", 400},
      {"bad key path", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"a..b","match":{"value":1}}]}})", 400},
      {"nested without filter", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"nested":{"key":"items"}}]}})", 400},
      {"min_should without min_count", "POST", "/collections/c/points/count", R"({"filter":{"min_should":{"conditions":[]}}})", 400},
      {"geo condition", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"g","geo_radius":{"center":{"lon":0,"lat":0},"radius":1}}]}})", 400},
      {"filter nested too deep", "POST", "/collections/c/points/count", too_deep, 400},
      {"more than 1000 conditions", "POST", "/collections/c/points/count", many, 400},
      {"datetime_range with numbers", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"key":"t","datetime_range":{"gt":1}}]}})", 400},
      {"bad has_id", "POST", "/collections/c/points/count", R"({"filter":{"must":[{"has_id":["x"]}]}})", 400},
      {"delete with a bad filter", "POST", "/collections/c/points/delete?wait=true", R"({"filter":{"must":[{"key":"city","match":{"value":1}}]}})", 400},
      {"delete with points and filter", "POST", "/collections/c/points/delete", R"({"points":[1],"filter":{}})", 400},
      {"set payload without payload", "POST", "/collections/c/points/payload", R"({"points":[1]})", 400},
      {"set payload not an object", "POST", "/collections/c/points/payload", R"({"payload":[1],"points":[1]})", 400},
      {"set payload on a missing point", "POST", "/collections/c/points/payload?wait=true", R"({"payload":{"a":1},"points":[1,99]})", 404},
      {"set payload with a bad filter", "POST", "/collections/c/points/payload", R"({"payload":{"a":1},"filter":{"must":[{"key":"n","match":{"value":"x"}}]}})", 400},
      {"set payload without selector", "POST", "/collections/c/points/payload", R"({"payload":{"a":1}})", 400},
      {"set payload with a bad key", "POST", "/collections/c/points/payload", R"({"payload":{"a":1},"points":[1],"key":"a."})", 400},
      {"overwrite with key", "PUT", "/collections/c/points/payload", R"({"payload":{"a":1},"points":[1],"key":"a"})", 400},
      {"delete keys not a list", "POST", "/collections/c/points/payload/delete", R"({"keys":"city","points":[1]})", 400},
      {"clear without selector", "POST", "/collections/c/points/payload/clear", R"({})", 400},
      {"payload op on unknown collection", "POST", "/collections/nope/points/payload", R"({"payload":{"a":1},"points":[1]})", 404},
      {"index without field_name", "PUT", "/collections/c/index", R"({"field_schema":"keyword"})", 400},
      {"index with empty field_name", "PUT", "/collections/c/index", R"({"field_name":"","field_schema":"keyword"})", 400},
      {"index on a bad path", "PUT", "/collections/c/index", R"({"field_name":"a..b","field_schema":"keyword"})", 400},
      {"index without schema", "PUT", "/collections/c/index", R"({"field_name":"x"})", 400},
      {"index of unknown type", "PUT", "/collections/c/index", R"({"field_name":"x","field_schema":"vector"})", 400},
      {"index of unsupported type", "PUT", "/collections/c/index", R"({"field_name":"x","field_schema":"geo"})", 400},
      {"index on unknown collection", "PUT", "/collections/nope/index", R"({"field_name":"x","field_schema":"keyword"})", 404},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    HttpResponse r = api.Call(c.method, c.path, c.body);
    INFO(r.body);
    CHECK(r.status == c.status);
    CHECK(IsErrorEnvelope(r));
  }
  CHECK(api.Call("GET", "/collections/c").body.find(R"("payload_schema":{"city":{"data_type":"keyword","points":2},"n":{"data_type":"integer","points":2}})") !=
        std::string::npos);
  CHECK(api.Call("POST", "/collections/c/points", R"({"ids":[1,2]})").body.substr(0, points_before.find("\"time\"")) ==
        points_before.substr(0, points_before.find("\"time\"")));
}

TEST_CASE("Payload operations and filtered reads through the API", "[api][filter]") {
  Api api;
  REQUIRE(api.Call("PUT", "/collections/c", R"({"vectors":{"size":2,"distance":"Euclid"}})").status == 200);
  REQUIRE(api.Call("PUT", "/collections/c/points?wait=true",
                   R"({"points":[{"id":1,"vector":[1,0],"payload":{"city":"Berlin","meta":{"a":1}}},)"
                   R"({"id":2,"vector":[2,0],"payload":{"city":"Paris"}},{"id":3,"vector":[3,0],"payload":{"city":"Berlin"}}]})")
              .status == 200);
  auto body = [&](const char* method, const char* path, const char* b) { return api.Call(method, path, b).body; };
  CHECK(body("POST", "/collections/c/points/query", R"({"query":[0,0],"filter":{"must":{"key":"city","match":{"value":"Berlin"}}}})")
            .find(R"("points":[{"id":1,"version":1,"score":1},{"id":3,"version":1,"score":3}])") != std::string::npos);
  // set by filter, with a nested key
  REQUIRE(api.Call("POST", "/collections/c/points/payload?wait=true",
                   R"({"payload":{"x":1},"key":"meta","filter":{"must":[{"key":"city","match":{"value":"Berlin"}}]}})").status == 200);
  CHECK(body("GET", "/collections/c/points/1", "").find(R"("payload":{"city":"Berlin","meta":{"a":1,"x":1}})") != std::string::npos);
  CHECK(body("GET", "/collections/c/points/3", "").find(R"("payload":{"city":"Berlin","meta":{"x":1}})") != std::string::npos);
  // overwrite, delete keys, clear by ids
  REQUIRE(api.Call("PUT", "/collections/c/points/payload?wait=true", R"({"payload":{"k":"v"},"points":[2]})").status == 200);
  CHECK(body("GET", "/collections/c/points/2", "").find(R"("payload":{"k":"v"})") != std::string::npos);
  REQUIRE(api.Call("POST", "/collections/c/points/payload/delete?wait=true", R"({"keys":["meta.a"],"points":[1]})").status == 200);
  CHECK(body("GET", "/collections/c/points/1", "").find(R"("payload":{"city":"Berlin","meta":{"x":1}})") != std::string::npos);
  REQUIRE(api.Call("POST", "/collections/c/points/payload/clear?wait=true", R"({"points":[3]})").status == 200);
  CHECK(body("GET", "/collections/c/points/3", "").find(R"("payload":{})") != std::string::npos);
  // the vector is untouched by payload operations
  CHECK(body("GET", "/collections/c/points/3", "").find(R"("vector":[3,0])") != std::string::npos);
  // delete by filter; count and scroll by filter
  REQUIRE(api.Call("POST", "/collections/c/points/delete?wait=true", R"({"filter":{"must":[{"key":"k","match":{"value":"v"}}]}})").status == 200);
  CHECK(body("POST", "/collections/c/points/count", "").find(R"("count":2)") != std::string::npos);
  CHECK(body("POST", "/collections/c/points/count", R"({"filter":{"must":[{"is_empty":{"key":"city"}}]}})").find(R"("count":1)") !=
        std::string::npos);
  CHECK(body("POST", "/collections/c/points/scroll", R"({"filter":{"must_not":[{"has_id":[1]}]},"with_payload":false})")
            .find(R"("points":[{"id":3}],"next_page_offset":null)") != std::string::npos);
  // query by id with a filter and an offset: the point itself never counts
  REQUIRE(api.Call("PUT", "/collections/c/points?wait=true",
                   R"({"points":[{"id":4,"vector":[4,0],"payload":{"city":"Berlin"}},{"id":5,"vector":[5,0],"payload":{"city":"Berlin"}}]})")
              .status == 200);
  // Berlin points by distance from point 3 ([3,0]): 4 (1), then 1 and 5 (2 each; ties by
  // the older version first): offset 1 skips 4.
  const std::string page = body("POST", "/collections/c/points/query",
                                R"({"query":3,"limit":2,"offset":1,"filter":{"must":[{"key":"city","match":{"value":"Berlin"}}]}})");
  CHECK(page.find(R"("points":[{"id":1,)") != std::string::npos);
  CHECK(page.find(R"({"id":5,)") != std::string::npos);
  CHECK(page.find(R"({"id":4,)") == std::string::npos);
  CHECK(body("POST", "/collections/c/points/query", R"({"query":3,"limit":1,"offset":0})").find(R"("points":[{"id":4,)") !=
        std::string::npos);
  REQUIRE(api.Call("POST", "/collections/c/points/delete?wait=true", R"({"points":[4,5]})").status == 200);
  // a query without `query` returns matching points in id order
  CHECK(body("POST", "/collections/c/points/query", R"({"filter":{"should":[{"has_id":[3]}]}})").find(R"("points":[{"id":3,)") !=
        std::string::npos);
  // an index on a nested key (only point 1 still has it); dropped by a percent-encoded path
  REQUIRE(api.Call("PUT", "/collections/c/index", R"({"field_name":"meta.x","field_schema":"integer"})").status == 200);
  CHECK(body("GET", "/collections/c", "").find(R"("meta.x":{"data_type":"integer","points":1})") != std::string::npos);
  REQUIRE(api.Call("DELETE", "/collections/c/index/meta%2Ex", "").status == 200);
  CHECK(body("GET", "/collections/c", "").find(R"("payload_schema":{})") != std::string::npos);
}

}  // namespace sextant::api

namespace sextant::api {

TEST_CASE("Index kind and quantization settings: shapes, updates and bad input", "[api][ivf]") {
  Api api;
  REQUIRE(api.Call("PUT", "/collections/h", R"({"vectors":{"size":4,"distance":"Cosine"}})").status == 200);
  REQUIRE(api.Call("PUT", "/collections/i", R"({"vectors":{"size":4,"distance":"Euclid"},)"
                                            R"("ivf_config":{"nlist":8,"quantizer":"pq","pq_m":2}})")
              .status == 200);
  REQUIRE(api.Call("PUT", "/collections/q", R"({"vectors":{"size":4,"distance":"Dot",)"
                                            R"("quantization_config":{"scalar":{"type":"int8","quantile":0.95}}}})")
              .status == 200);
  CHECK(api.Call("GET", "/collections/h").body.find(R"("quantization_config":null,"ivf_config":null)") !=
        std::string::npos);
  CHECK(api.Call("GET", "/collections/i").body.find(
            R"("ivf_config":{"nlist":8,"nprobe":null,"quantizer":"pq","pq_m":2})") != std::string::npos);
  CHECK(api.Call("GET", "/collections/q").body.find(
            R"("quantization_config":{"scalar":{"type":"int8","quantile":0.95,"always_ram":true}})") !=
        std::string::npos);

  // Updates: PATCH (Qdrant's), the /ivf routes (ours); null = automatic.
  REQUIRE(api.Call("PATCH", "/collections/q", R"({"quantization_config":"Disabled"})").status == 200);
  CHECK(api.Call("GET", "/collections/q").body.find(R"("quantization_config":null)") != std::string::npos);
  REQUIRE(api.Call("PATCH", "/collections/i", R"({"ivf_config":{"nlist":null,"nprobe":4}})").status == 200);
  CHECK(api.Call("GET", "/collections/i/ivf").body.rfind(
            R"({"result":{"ivf_config":{"nlist":null,"nprobe":4,"quantizer":"pq","pq_m":2}},"status":"ok")", 0) == 0);
  REQUIRE(api.Call("PUT", "/collections/h/ivf", R"({"quantizer":"sq8"})").status == 200);
  CHECK(api.Call("GET", "/collections/h").body.find(
            R"("ivf_config":{"nlist":null,"nprobe":null,"quantizer":"sq8","pq_m":null})") != std::string::npos);
  REQUIRE(api.Call("DELETE", "/collections/h/ivf").status == 200);
  CHECK(api.Call("GET", "/collections/h").body.find(R"("ivf_config":null)") != std::string::npos);
  REQUIRE(api.Call("PATCH", "/collections/h", R"({"vectors":{"":{"quantization_config":)"
                                              R"({"scalar":{"type":"int8"}}}},"unknown":1})")
              .status == 200);
  CHECK(api.Call("GET", "/collections/h").body.find(R"("quantization_config":{"scalar":{"type":"int8","quantile":0.99)") !=
        std::string::npos);

  struct Case {
    const char* name;
    const char* method;
    const char* path;
    const char* body;
    int status;
  };
  const Case cases[] = {
      {"unknown quantizer", "PUT", "/collections/x", R"({"vectors":{"size":4,"distance":"Dot"},"ivf_config":{"quantizer":"lsh"}})", 400},
      {"pq_m not dividing", "PUT", "/collections/x", R"({"vectors":{"size":4,"distance":"Dot"},"ivf_config":{"quantizer":"pq","pq_m":3}})", 400},
      {"nlist too large", "PUT", "/collections/x", R"({"vectors":{"size":4,"distance":"Dot"},"ivf_config":{"nlist":100000}})", 400},
      {"ivf_config not an object", "PUT", "/collections/x", R"({"vectors":{"size":4,"distance":"Dot"},"ivf_config":5})", 400},
      {"codes on Manhattan", "PUT", "/collections/x", R"({"vectors":{"size":4,"distance":"Manhattan"},"ivf_config":{"quantizer":"sq8"}})", 400},
      {"int8 on Manhattan", "PUT", "/collections/x", R"({"vectors":{"size":4,"distance":"Manhattan"},"quantization_config":{"scalar":{"type":"int8"}}})", 400},
      {"product quantization", "PUT", "/collections/x", R"({"vectors":{"size":4,"distance":"Dot"},"quantization_config":{"product":{"compression":"x16"}}})", 400},
      {"binary quantization", "PATCH", "/collections/h", R"({"quantization_config":{"binary":{}}})", 400},
      {"scalar type", "PATCH", "/collections/h", R"({"quantization_config":{"scalar":{"type":"int4"}}})", 400},
      {"scalar without type", "PATCH", "/collections/h", R"({"quantization_config":{"scalar":{}}})", 400},
      {"quantile out of range", "PATCH", "/collections/h", R"({"quantization_config":{"scalar":{"type":"int8","quantile":1.5}}})", 400},
      {"quantile not a number", "PATCH", "/collections/h", R"({"quantization_config":{"scalar":{"type":"int8","quantile":"x"}}})", 400},
      {"quantization string", "PATCH", "/collections/h", R"({"quantization_config":"Enabled"})", 400},
      {"malformed PATCH", "PATCH", "/collections/h", R"({"hnsw_config":)", 400},
      {"PATCH of nothing", "PATCH", "/collections/nope", "{}", 404},
      {"hnsw m out of range", "PATCH", "/collections/h", R"({"hnsw_config":{"m":1}})", 400},
      {"PUT /ivf bad pq_m", "PUT", "/collections/i/ivf", R"({"pq_m":3})", 400},
      {"PUT /ivf not an object", "PUT", "/collections/i/ivf", "[]", 400},
      {"PUT /ivf unknown collection", "PUT", "/collections/nope/ivf", "{}", 404},
      {"nprobe not a number", "POST", "/collections/i/points/search", R"({"vector":[1,2,3,4],"params":{"ivf_nprobe":"x"}})", 400},
      {"nprobe too large", "POST", "/collections/i/points/search", R"({"vector":[1,2,3,4],"params":{"ivf_nprobe":100000}})", 400},
      {"oversampling below 1", "POST", "/collections/i/points/search", R"({"vector":[1,2,3,4],"params":{"quantization":{"oversampling":0.5}}})", 400},
      {"oversampling not a number", "POST", "/collections/i/points/query", R"({"query":[1,2,3,4],"params":{"quantization":{"oversampling":"2"}}})", 400},
      {"rescore not a bool", "POST", "/collections/i/points/query", R"({"query":[1,2,3,4],"params":{"quantization":{"rescore":1}}})", 400},
      {"quantization not an object", "POST", "/collections/i/points/query", R"({"query":[1,2,3,4],"params":{"quantization":true}})", 400},
  };
  const std::string before_h = api.Call("GET", "/collections/h").body;
  const std::string before_i = api.Call("GET", "/collections/i").body;
  for (const Case& c : cases) {
    INFO(c.name);
    const HttpResponse r = api.Call(c.method, c.path, c.body);
    CHECK(r.status == c.status);
    CHECK(IsErrorEnvelope(r));
  }
  CHECK(api.Call("GET", "/collections/x").status == 404);
  // "time" differs between calls; the configs must not.
  auto config_of = [](const std::string& body) { return body.substr(0, body.find("\"time\"")); };
  CHECK(config_of(api.Call("GET", "/collections/h").body) == config_of(before_h));
  CHECK(config_of(api.Call("GET", "/collections/i").body) == config_of(before_i));

  // Good search params are accepted (tiny collections: exact anyway).
  REQUIRE(api.Call("PUT", "/collections/i/points?wait=true", R"({"points":[{"id":1,"vector":[1,2,3,4]}]})").status == 200);
  const HttpResponse r = api.Call("POST", "/collections/i/points/query",
                                  R"({"query":[1,2,3,4],"params":{"ivf_nprobe":2,"quantization":{"ignore":false,"rescore":true,"oversampling":2.5}}})");
  CHECK(r.status == 200);
  CHECK(r.body.find(R"("id":1)") != std::string::npos);
}

}  // namespace sextant::api
