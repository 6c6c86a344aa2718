// The command line tools against the real binary: `sextant import` (with
// payloads, a resume after the server is killed mid-upload, clear failures)
// and `sextant snapshot create|restore` offline.
#include <catch2/catch.hpp>

#include <simdjson.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/datasets.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunSextant(const std::string& args) {
  const std::string command = std::string(SEXTANT_BINARY) + " " + args + " 2>&1";
  CommandResult result;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;  // exit_code -1 (no assertion here: it also runs off the main thread)
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

size_t Count(HttpClient& http, const std::string& c) {
  auto r = http.Post("/collections/" + c + "/points/count", R"({"exact":true})");
  if (r.status != 200) return 0;
  simdjson::dom::parser parser;
  return static_cast<size_t>(uint64_t(parser.parse(r.body).at_pointer("/result/count")));
}

std::string Url(const ServerProcess& server) { return "http://127.0.0.1:" + std::to_string(server.port()); }

}  // namespace

TEST_CASE("sextant import uploads fvecs with payloads and fails clearly", "[e2e][cli]") {
  TempDir data, work;
  ServerProcess server(data.path());
  const std::string base = SharedDataDir() + "/siftsmall/base.fvecs";
  {
    std::ofstream payloads(work.Sub("payloads.jsonl"));
    for (int i = 0; i < 10000; ++i) payloads << "{\"row\":" << i << "}\n";
  }
  auto r = RunSextant("import --collection sift --distance Euclid --url " + Url(server) + " --payloads " +
                      work.Sub("payloads.jsonl") + " --state " + work.Sub("state") + " --batch 3000 " + base);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("10000 of 10000 points") != std::string::npos);  // plain progress: not a terminal
  CHECK_FALSE(std::filesystem::exists(work.Sub("state")));
  HttpClient http(server.port());
  CHECK(Count(http, "sift") == 10000);
  auto p = http.Get("/collections/sift/points/7777");
  CHECK(p.body.find("\"row\":7777") != std::string::npos);

  // Failures: a missing collection, a file of another size, no server.
  r = RunSextant("import --collection none --url " + Url(server) + " " + base);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("does not exist") != std::string::npos);
  REQUIRE(http.Put("/collections/small", R"({"vectors":{"size":4,"distance":"Dot"}})").status == 200);
  r = RunSextant("import --collection small --url " + Url(server) + " " + base);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("size 128") != std::string::npos);
  {
    std::ofstream bad(work.Sub("bad.ndjson"));
    bad << "{\"id\":1,\"vector\":[1,2,3,4]}\n{\"id\":2,\"vector\":[1,2]}\n";
  }
  r = RunSextant("import --collection small --url " + Url(server) + " --state " + work.Sub("s2") + " " +
                 work.Sub("bad.ndjson"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("line 2") != std::string::npos);
  const uint16_t port = server.port();
  server.Stop();
  r = RunSextant("import --collection sift --url http://127.0.0.1:" + std::to_string(port) + " " + base);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("cannot reach the server") != std::string::npos);
}

TEST_CASE("sextant import resumes after the server is killed, without duplicates", "[e2e][cli]") {
  TempDir data, work;
  auto server = std::make_unique<ServerProcess>(data.path());
  const std::string glove = SharedDataDir() + "/glove100/base.fvecs";
  const std::string state = work.Sub("state");
  // Run the import in the background and kill the server once part is stored.
  CommandResult first;
  std::thread importer([&] {
    first = RunSextant("import --collection glove --distance Cosine --batch 2000 --url " + Url(*server) +
                       " --state " + state + " " + glove);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!std::filesystem::exists(state) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server->Stop(SIGKILL);
  importer.join();
  INFO(first.output);
  REQUIRE(std::filesystem::exists(state));
  if (first.exit_code == 0) WARN("the import finished before the kill; the resume below resumes nothing");
  else CHECK(first.output.find("cannot reach the server") != std::string::npos);

  server = std::make_unique<ServerProcess>(data.path());
  auto second = RunSextant("import --collection glove --batch 2000 --url " + Url(*server) + " --state " + state + " " +
                           glove);
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  if (first.exit_code != 0) CHECK(second.output.find("resuming") != std::string::npos);
  HttpClient http(server->port());
  CHECK(Count(http, "glove") == 100000);
}

TEST_CASE("sextant snapshot create and restore work offline", "[e2e][cli]") {
  TempDir data, other, work;
  {
    ServerProcess server(data.path());
    auto r = RunSextant("import --collection sift --distance Euclid --url " + Url(server) + " --state " +
                        work.Sub("state") + " " + SharedDataDir() + "/siftsmall/base.fvecs");
    REQUIRE(r.exit_code == 0);
    // While the server runs, the data directory is locked.
    r = RunSextant("snapshot create --data-dir " + data.path() + " --collection sift");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("is a server running") != std::string::npos);
  }
  auto r = RunSextant("snapshot create --data-dir " + data.path() + " --collection sift --output " + work.Sub("s.snapshot"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  r = RunSextant("snapshot restore --data-dir " + other.path() + " --collection copy " + work.Sub("s.snapshot"));
  REQUIRE(r.exit_code == 0);
  r = RunSextant("snapshot restore --data-dir " + other.path() + " --collection copy --checksum " +
                 std::string(64, 'f') + " " + work.Sub("s.snapshot"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("checksum mismatch") != std::string::npos);
  ServerProcess server(other.path());
  HttpClient http(server.port());
  CHECK(Count(http, "copy") == 10000);
}

}  // namespace sextant::testing
