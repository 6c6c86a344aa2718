// The real binary over loopback HTTP: limits, bad requests, restart, shutdown.
#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "support/json_body.h"
#include "support/random_vectors.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

bool IsError(const HttpResult& r) { return r.body.rfind("{\"status\":{\"error\":", 0) == 0; }

// Sends raw bytes and returns everything the server answers before closing.
std::string RawExchange(uint16_t port, const std::string& bytes) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(socket, boost::asio::buffer(bytes));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  while (true) {
    size_t n = socket.read_some(boost::asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

}  // namespace

TEST_CASE("The server answers oversized and malformed requests with 4xx and keeps serving",
          "[e2e]") {
  TempDir data;
  ServerProcess server(data.path(), {"--body-limit-mb", "1"});
  HttpClient http(server.port());
  REQUIRE(http.Put("/collections/c", R"({"vectors":{"size":4,"distance":"Dot"}})").status == 200);
  REQUIRE(http.Put("/collections/c/points?wait=true", R"({"points":[{"id":1,"vector":[1,2,3,4]}]})").status == 200);

  std::string huge = R"({"points":[{"id":2,"vector":[1,2,3,4],"payload":{"x":")" + std::string(2 << 20, 'a') + "\"}}]}";
  HttpClient big(server.port());
  auto r = big.Put("/collections/c/points", huge);
  CHECK(r.status == 413);
  CHECK(IsError(r));

  const std::string garbage = RawExchange(server.port(), "THIS IS NOT HTTP\r\n\r\n");
  CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);

  r = http.Post("/collections/c/points/search", R"({"vector":[1,2,3,4],"limit":5})");
  CHECK(r.status == 200);
  r = http.Post("/collections/c/points/count", "{}");
  CHECK(r.body.find("\"count\":1") != std::string::npos);
  r = http.Post("/collections/c/points/search", R"({"vector":[1,2,3]})");
  CHECK(r.status == 400);
  CHECK(IsError(r));
  r = http.Request("PATCH", "/collections/c/points/count", "{}");
  CHECK(r.status == 405);
  r = http.Get("/no/such/path");
  CHECK(r.status == 404);
  CHECK(IsError(r));
}

TEST_CASE("Collections and points survive a restart of the binary", "[e2e]") {
  TempDir data;
  ServerProcess server(data.path());
  {
    HttpClient http(server.port());
    REQUIRE(http.Put("/collections/keep", R"({"vectors":{"size":3,"distance":"Euclid"}})").status == 200);
    REQUIRE(http.Put("/collections/keep/points?wait=true",
                     R"({"points":[{"id":1,"vector":[0,0,1],"payload":{"doc":"a"}},)"
                     R"({"id":"6f1d5a1e-0000-4000-8000-000000000001","vector":[0,1,0]}]})")
                .status == 200);
  }
  server.Restart();
  HttpClient http(server.port());
  auto r = http.Get("/collections/keep/points/1");
  REQUIRE(r.status == 200);
  CHECK(r.body.find(R"("payload":{"doc":"a"},"vector":[0,0,1])") != std::string::npos);
  r = http.Post("/collections/keep/points/query", R"({"query":[0,1,0],"limit":1})");
  CHECK(r.body.find(R"("id":"6f1d5a1e-0000-4000-8000-000000000001")") != std::string::npos);
}

TEST_CASE("SIGTERM lets in-flight requests finish, then the server exits cleanly", "[e2e]") {
  TempDir data;
  ServerProcess server(data.path(), {"--threads", "1"});
  HttpClient http(server.port());
  const size_t dim = 64, n = 20000;
  REQUIRE(http.Put("/collections/c", R"({"vectors":{"size":64,"distance":"Euclid"},)"
                                     R"("optimizers_config":{"indexing_threshold":0}})")
              .status == 200);
  auto vectors = RandomVectors(n, dim, 31);
  for (size_t b = 0; b < n; b += 2000) {
    REQUIRE(http.Put("/collections/c/points?wait=true", BatchBody(vectors.data(), dim, b, b + 2000)).status == 200);
  }
  // A slow request: 300 exact searches over 20k vectors.
  std::string body = "{\"searches\":[";
  for (int i = 0; i < 300; ++i) {
    if (i) body.push_back(',');
    body += "{\"limit\":10,\"params\":{\"exact\":true},\"vector\":";
    AppendFloats(&body, vectors.data() + i * dim, dim);
    body += "}";
  }
  body += "]}";
  auto pending = std::async(std::launch::async, [&] {
    HttpClient slow(server.port());
    return slow.Post("/collections/c/points/search/batch", body);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const int status = server.Stop(SIGTERM);
  const HttpResult r = pending.get();
  CHECK(r.status == 200);
  CHECK(BatchResultIds(r.body).size() == 300);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("Concurrent clients upsert and search over HTTP", "[e2e][concurrency]") {
  TempDir data;
  ServerProcess server(data.path());
  HttpClient admin(server.port());
  const size_t dim = 16;
  REQUIRE(admin.Put("/collections/c", R"({"vectors":{"size":16,"distance":"Cosine"},)"
                                      R"("optimizers_config":{"indexing_threshold":64}})")
              .status == 200);
  auto vectors = RandomVectors(8000, dim, 32);
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      HttpClient http(server.port());
      for (size_t b = t * 2000; b < (t + 1) * 2000u; b += 200) {
        if (http.Put("/collections/c/points?wait=true", BatchBody(vectors.data(), dim, b, b + 200)).status != 200) ++failures;
        std::string q = R"({"limit":5,"vector":)";
        AppendFloats(&q, vectors.data() + b * dim, dim);
        q += "}";
        auto r = http.Post("/collections/c/points/search", q);
        if (r.status != 200 || r.body.find("\"id\":" + std::to_string(b) + ",") == std::string::npos) ++failures;
      }
    });
  }
  for (auto& c : clients) c.join();
  CHECK(failures == 0);
  CHECK(admin.Post("/collections/c/points/count", "{}").body.find("\"count\":8000") != std::string::npos);
}

}  // namespace sextant::testing
