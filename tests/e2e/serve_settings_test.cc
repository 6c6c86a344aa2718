// `sextant serve` settings through the real binary: a TOML config file under
// environment variables under flags; bad files refused at start; JSON log
// lines and the slow-query log; HTTPS with a certificate and key.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/https_client.h"
#include "support/json_body.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

const std::string kTlsDir = std::string(SEXTANT_SOURCE_DIR) + "/tests/data/tls";

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Sets an environment variable for the scope (the server inherits it at fork).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

// Runs `sextant serve <args>` to its exit; returns the exit code and what it printed.
std::pair<int, std::string> RunServe(const TempDir& tmp, const std::string& args) {
  const std::string out = tmp.Sub("serve.out");
  // `timeout`: a server that wrongly starts must fail the test, not hang it.
  const std::string command = "timeout 30 " + std::string(SEXTANT_BINARY) + " serve --host 127.0.0.1 --port 0 --data-dir " +
                              tmp.Sub("refused") + " " + args + " > " + out + " 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadFile(out)};
}

}  // namespace

TEST_CASE("A config file gives what no environment variable or flag gives", "[e2e][settings]") {
  TempDir tmp;
  const std::string config = tmp.Sub("sextant.toml");
  WriteFile(config,
            "# every key is a setting of `sextant serve --help`, with _ or -\n"
            "api_key = \"file-key\"\n"
            "body_limit_mb = 1\n"
            "log_format = \"json\"\n"
            "log_level = \"info\"\n"   // the test harness's --log-level warn flag beats it
            "slow_query_ms = 0.001\n");  // every request is slow
  const std::string log = tmp.Sub("server.log");
  {
    ScopedEnv env("SEXTANT_API_KEY", "env-key");
    ServerProcess server(tmp.Sub("data"), {"--config", config}, {.log_file = log, .tls_ca = ""});
    HttpClient http(server.port());
    http.SetHeader("api-key", "file-key");
    CHECK(http.Get("/collections").status == 401);  // the environment beats the file
    http.SetHeader("api-key", "env-key");
    CHECK(http.Get("/collections").status == 200);
    REQUIRE(http.Put("/collections/c", R"({"vectors":{"size":2,"distance":"Dot"}})").status == 200);
    // body_limit_mb = 1 from the file: nothing else said otherwise.
    const HttpResult big = http.Put("/collections/c/points", std::string(1536 << 10, ' '));
    CHECK(big.status == 413);
    CHECK(JsonAt(big.body, "/status/error").find("1048576") != std::string::npos);
    server.Stop();
  }
  // Every line is a JSON object; the slow-query log names the route; no info
  // line, since the flag --log-level warn beat the file's info.
  const auto lines = Lines(ReadFile(log));
  REQUIRE(!lines.empty());
  bool slow_create = false;
  for (const std::string& line : lines) {
    INFO(line);
    const std::string level = JsonAt(line, "/level");
    CHECK(level != "info");
    CHECK(!JsonAt(line, "/time").empty());
    const std::string msg = JsonAt(line, "/msg");
    if (msg.find("slow request: PUT /collections/c ") != std::string::npos && level == "warning") {  // spdlog's level names
      slow_create = msg.find("\"distance\":\"Dot\"") != std::string::npos;  // with its body
    }
  }
  CHECK(slow_create);
}

TEST_CASE("A flag beats the environment, which beats the file", "[e2e][settings]") {
  TempDir tmp;
  const std::string config = tmp.Sub("sextant.toml");
  WriteFile(config, "api-key = \"file-key\"\n");
  ScopedEnv env("SEXTANT_API_KEY", "env-key");
  ServerProcess server(tmp.Sub("data"), {"--config", config, "--api-key", "flag-key"});
  HttpClient http(server.port());
  for (const char* key : {"file-key", "env-key"}) {
    http.SetHeader("api-key", key);
    CHECK(http.Get("/collections").status == 401);
  }
  http.SetHeader("api-key", "flag-key");
  CHECK(http.Get("/collections").status == 200);
}

TEST_CASE("A bad config file stops the server before it listens", "[e2e][settings]") {
  TempDir tmp;
  const std::string config = tmp.Sub("bad.toml");
  const std::pair<std::string, std::string> cases[] = {
      {"prot = 6333\n", "unknown setting 'prot'"},
      {"[service]\napi_key = \"x\"\n", "sections are not supported ([service])"},
      {"body_limit_mb = \"lots\"\n", "body_limit_mb"},
      {"log_level = \"loud\"\n", "log_level"},
      {"threads = -1\n", "threads"},
      {"read_only_api_key = \"ro\"\n", "read_only_api_key needs api_key"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    WriteFile(config, text);
    const auto [code, out] = RunServe(tmp, "--config " + config);
    CHECK(code == 2);
    CHECK(out.find(message) != std::string::npos);
  }
  const auto [code, out] = RunServe(tmp, "--config " + tmp.Sub("missing.toml"));
  CHECK(code != 0);
  CHECK(out.find("missing.toml") != std::string::npos);
}

TEST_CASE("HTTPS with a certificate and key: TLS only, keep-alive, limits", "[e2e][tls]") {
  TempDir tmp;
  ServerProcess server(tmp.Sub("data"),
                       {"--tls-cert", kTlsDir + "/cert.pem", "--tls-key", kTlsDir + "/key.pem", "--body-limit-mb", "1"},
                       {.log_file = "", .tls_ca = kTlsDir + "/cert.pem"});
  HttpsClient https(server.port(), kTlsDir + "/cert.pem");
  REQUIRE(https.Put("/collections/c", R"({"vectors":{"size":2,"distance":"Dot"}})").status == 200);
  REQUIRE(https.Put("/collections/c/points?wait=true",
                    R"({"points":[{"id":1,"vector":[1,0]},{"id":2,"vector":[0,1]}]})").status == 200);
  const HttpResult hits = https.Post("/collections/c/points/search", R"({"vector":[1,0.1],"limit":1})");
  CHECK(hits.status == 200);
  CHECK(JsonAt(hits.body, "/result/0/id") == "1");
  CHECK(https.connections() == 1);  // three requests, one TLS connection
  const HttpResult big = https.Put("/collections/c/points", std::string(1536 << 10, ' '));
  CHECK(big.status == 413);

  // Plain HTTP on the HTTPS port gets no answer.
  HttpClient plain(server.port());
  CHECK_THROWS(plain.Get("/collections"));
  // The server is still there for TLS clients.
  HttpsClient again(server.port(), kTlsDir + "/cert.pem");
  CHECK(again.Get("/collections/c").status == 200);
}

TEST_CASE("TLS settings that cannot work stop the server", "[e2e][tls]") {
  TempDir tmp;
  const std::string cert = kTlsDir + "/cert.pem";
  auto [code, out] = RunServe(tmp, "--tls-cert " + cert);
  CHECK(code == 2);
  CHECK(out.find("both tls_cert and tls_key") != std::string::npos);
  // The certificate given as its own key: not a private key.
  std::tie(code, out) = RunServe(tmp, "--tls-cert " + cert + " --tls-key " + cert);
  CHECK(code == 1);
  CHECK(out.find("cannot load the TLS certificate") != std::string::npos);
}

}  // namespace sextant::testing
