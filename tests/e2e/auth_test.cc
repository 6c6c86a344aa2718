// API keys through the real binary: no key, wrong key, the read-write key in
// either header, the read-only key on reads and writes; health probes open;
// keys from the environment; a read-only key alone refused at start.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "support/json_body.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

void Expect(const HttpResult& r, int status, const std::string& fragment = "") {
  CHECK(r.status == status);
  if (status >= 400) CHECK(JsonAt(r.body, "/status/error").find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("API keys: 401 without or with a wrong key, 403 for the read-only key on writes", "[e2e][auth]") {
  TempDir tmp;
  ServerProcess server(tmp.Sub("data"), {"--api-key", "rw-secret", "--read-only-api-key", "ro-secret"});
  HttpClient http(server.port());
  Expect(http.Get("/collections"), 401, "api-key");
  Expect(http.Put("/collections/c", R"({"vectors":{"size":2,"distance":"Dot"}})"), 401);
  Expect(http.Get("/no/such/path"), 401);  // nothing is told without a key
  Expect(http.Get("/metrics"), 401);
  CHECK(http.Get("/healthz").status == 200);
  CHECK(http.Get("/readyz").status == 200);
  CHECK(http.Get("/livez").status == 200);

  http.SetHeader("api-key", "wrong");
  Expect(http.Get("/collections"), 401, "invalid");
  http.SetHeader("api-key", "rw-secret");
  Expect(http.Put("/collections/c", R"({"vectors":{"size":2,"distance":"Dot"}})"), 200);
  Expect(http.Put("/collections/c/points?wait=true", R"({"points":[{"id":1,"vector":[1,0]}]})"), 200);
  http.SetHeader("api-key", "");
  http.SetHeader("Authorization", "Bearer rw-secret");
  Expect(http.Get("/collections/c"), 200);
  http.SetHeader("Authorization", "Bearer wrong");
  Expect(http.Get("/collections/c"), 401);

  http.SetHeader("Authorization", "Bearer ro-secret");
  Expect(http.Get("/collections/c"), 200);
  Expect(http.Post("/collections/c/points/query", R"({"query":[1,0],"limit":1})"), 200);
  Expect(http.Post("/collections/c/points/count", "{}"), 200);
  Expect(http.Put("/collections/c/points?wait=true", R"({"points":[{"id":2,"vector":[0,1]}]})"), 403, "read-only");
  Expect(http.Delete("/collections/c"), 403);
  Expect(http.Post("/collections/c/points/bulk?format=ndjson", "{\"id\":3,\"vector\":[1,1]}\n"), 403);
  Expect(http.Put("/collections/c/drift/config", R"({"enabled":false})"), 403);
  // Nothing the refused writes asked for happened.
  http.SetHeader("Authorization", "Bearer rw-secret");
  auto r = http.Post("/collections/c/points/count", R"({"exact":true})");
  CHECK(JsonAt(r.body, "/result/count") == "1");
}

TEST_CASE("API keys from the environment; a read-only key alone is refused at start", "[e2e][auth]") {
  TempDir tmp;
  ::setenv("SEXTANT_API_KEY", "env-secret", 1);
  ServerProcess server(tmp.Sub("data"));
  ::unsetenv("SEXTANT_API_KEY");
  HttpClient http(server.port());
  CHECK(http.Get("/collections").status == 401);
  http.SetHeader("api-key", "env-secret");
  CHECK(http.Get("/collections").status == 200);

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(SEXTANT_BINARY, SEXTANT_BINARY, "serve", "--port", "0", "--data-dir", tmp.Sub("other").c_str(),
            "--read-only-api-key", "ro", "--log-level", "error", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
}

}  // namespace sextant::testing
