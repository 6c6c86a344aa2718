// GET /openapi.json from the real binary: the document embedded at build time
// is served as JSON, behind the API key like every other GET. Its contents are
// checked against the routes in tests/api/openapi_test.cc.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>

#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

struct Answer {
  int status = 0;
  std::string content_type;
  std::string body;
};

// One GET on a new connection; HttpClient does not report headers.
Answer Get(uint16_t port, const std::string& target, const std::string& api_key = "") {
  namespace http = boost::beast::http;
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!api_key.empty()) req.set("api-key", api_key);
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  boost::beast::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  return Answer{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), res.body()};
}

}  // namespace

TEST_CASE("The binary serves its OpenAPI document as JSON", "[e2e][openapi]") {
  TempDir tmp;
  ServerProcess server(tmp.Sub("data"));
  const Answer a = Get(server.port(), "/openapi.json");
  REQUIRE(a.status == 200);
  CHECK(a.content_type == "application/json");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(a.body).get(doc) == simdjson::SUCCESS);
  std::string_view openapi;
  REQUIRE(doc["openapi"].get_string().get(openapi) == simdjson::SUCCESS);
  CHECK(openapi.substr(0, 2) == "3.");
  // The binary's own version, as GET / reports it.
  std::string_view version;
  REQUIRE(doc["info"]["version"].get_string().get(version) == simdjson::SUCCESS);
  simdjson::dom::parser root_parser;
  CHECK(std::string(version) ==
        std::string(std::string_view(root_parser.parse(Get(server.port(), "/").body)["sextant_version"])));
  CHECK(doc["paths"]["/collections/{collection_name}/points/query"]["post"].is_object());
}

TEST_CASE("GET /openapi.json needs the API key when keys are set", "[e2e][openapi]") {
  TempDir tmp;
  ServerProcess server(tmp.Sub("data"), {"--api-key", "rw-key", "--read-only-api-key", "ro-key"});
  CHECK(Get(server.port(), "/openapi.json").status == 401);
  CHECK(Get(server.port(), "/openapi.json", "wrong").status == 401);
  CHECK(Get(server.port(), "/openapi.json", "ro-key").status == 200);
  CHECK(Get(server.port(), "/openapi.json", "rw-key").status == 200);
}

}  // namespace sextant::testing
