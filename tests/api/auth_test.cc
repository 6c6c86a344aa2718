// API keys: the comparison, the access matrix, and which routes a read-only key
// may call (every route that changes something refuses it).
#include <catch2/catch.hpp>

#include <set>

#include "api/auth.h"
#include "api/handlers/handlers.h"
#include "api/router.h"
#include "support/temp_dir.h"

namespace sextant::api {

TEST_CASE("ConstantTimeEquals is plain equality", "[api][auth]") {
  CHECK(ConstantTimeEquals("secret", "secret"));
  CHECK_FALSE(ConstantTimeEquals("secret", "secreT"));
  CHECK_FALSE(ConstantTimeEquals("secret", "secret2"));
  CHECK_FALSE(ConstantTimeEquals("", "x"));
  CHECK(ConstantTimeEquals("", ""));
}

TEST_CASE("CheckAccess: no key, wrong key, read-write key, read-only key on reads and writes", "[api][auth]") {
  const ApiKeys none;
  CHECK(CheckAccess(none, "", true) == Access::kAllowed);
  const ApiKeys keys{"rw-key", "ro-key"};
  CHECK(CheckAccess(keys, "", false) == Access::kMissing);
  CHECK(CheckAccess(keys, "nope", false) == Access::kInvalid);
  CHECK(CheckAccess(keys, "rw-key", true) == Access::kAllowed);
  CHECK(CheckAccess(keys, "ro-key", false) == Access::kAllowed);
  CHECK(CheckAccess(keys, "ro-key", true) == Access::kReadOnly);
  const ApiKeys read_write_only{"rw-key", ""};
  CHECK(CheckAccess(read_write_only, "", true) == Access::kMissing);  // an empty key never matches
  CHECK(CheckAccess(read_write_only, "ro-key", false) == Access::kInvalid);
}

TEST_CASE("A read-only key may call exactly the routes that only read", "[api][auth]") {
  testing::TempDir dir;
  DatabaseOptions options;
  options.data_dir = dir.path();
  auto db = std::move(Database::Open(options)).value();
  Router router;
  RegisterAllRoutes(router, *db, "test");
  router.SetApiKeys(ApiKeys{"rw-key", "ro-key"});
  // The POST routes that only read (searches, retrievals, benchmarks): a new
  // mutating route must be added with AddWrite or AddStream, or this list fails.
  const std::set<std::string> read_posts = {
      "/collections/{collection_name}/points",
      "/collections/{collection_name}/points/scroll",
      "/collections/{collection_name}/points/count",
      "/collections/{collection_name}/points/search",
      "/collections/{collection_name}/points/search/batch",
      "/collections/{collection_name}/points/query",
      "/collections/{collection_name}/points/query/batch",
      "/collections/{collection_name}/benchmark",
  };
  // The DELETE routes that change nothing: cancelling a benchmark.
  const std::set<std::string> read_deletes = {"/collections/{collection_name}/benchmark"};
  for (const auto& [method, pattern] : router.Routes()) {
    HttpRequest req;
    req.method = method;
    for (const std::string& segment : SplitPath(pattern)) {
      req.path += "/" + (segment.front() == '{' ? std::string("x") : segment);
    }
    if (req.path.empty()) req.path = "/";
    req.api_key = "ro-key";
    const bool reads = method == "GET" || (method == "POST" && read_posts.contains(pattern)) ||
                       (method == "DELETE" && read_deletes.contains(pattern));
    INFO(method << " " << pattern);
    CHECK((router.Dispatch(req).status == 403) == !reads);
    // No key: 401, but for the health probes.
    req.api_key = "";
    const bool probe = pattern == "/healthz" || pattern == "/livez" || pattern == "/readyz";
    CHECK((router.Dispatch(req).status == 401) == !probe);
  }
}

}  // namespace sextant::api
