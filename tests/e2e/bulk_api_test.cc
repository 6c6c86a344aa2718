// Bulk upload through the real binary: NDJSON, fvecs, npy (f32/f16/u8),
// multipart with ids and payloads; streamed past the body limit; bad input
// answered with the line/record and exactly the prefix before it stored.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <boost/asio.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "support/datasets.h"
#include "support/json_body.h"
#include "support/npy.h"
#include "support/random_vectors.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

size_t Count(HttpClient& http, const std::string& c) {
  auto r = http.Post("/collections/" + c + "/points/count", R"({"exact":true})");
  REQUIRE(r.status == 200);
  return std::stoul(JsonAt(r.body, "/result/count"));
}

std::string Scroll(HttpClient& http, const std::string& c) {
  auto r = http.Post("/collections/" + c + "/points/scroll",
                     R"({"limit":100000,"with_payload":true,"with_vector":true})");
  REQUIRE(r.status == 200);
  return JsonAt(r.body, "/result/points");
}

std::vector<float> VectorOf(HttpClient& http, const std::string& c, const std::string& id) {
  auto r = http.Get("/collections/" + c + "/points/" + id);
  REQUIRE(r.status == 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.body);
  std::vector<float> v;
  for (auto x : doc.at_pointer("/result/vector").get_array()) v.push_back(static_cast<float>(double(x)));
  return v;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string NdjsonLine(uint64_t id, const float* v, size_t dim, const std::string& payload = "") {
  std::string line = "{\"id\":" + std::to_string(id) + ",\"vector\":";
  AppendFloats(&line, v, dim);
  if (!payload.empty()) line += ",\"payload\":" + payload;
  return line + "}\n";
}

HttpResult Bulk(HttpClient& http, const std::string& c, const std::string& query, const std::string& body,
                const std::string& type) {
  return http.Request("POST", "/collections/" + c + "/points/bulk" + query, body, type);
}

}  // namespace

TEST_CASE("Bulk upload: NDJSON and fvecs of siftsmall give the same collection, past the body limit",
          "[e2e][bulk]") {
  TempDir data;
  ServerProcess server(data.path(), {"--body-limit-mb", "1"});
  HttpClient http(server.port());
  const Matrix base = ReadFvecs(SharedDataDir() + "/siftsmall/base.fvecs");
  REQUIRE(base.rows == 10000);
  for (const char* c : {"nd", "fv"}) {
    REQUIRE(http.Put(std::string("/collections/") + c, R"({"vectors":{"size":128,"distance":"Euclid"}})").status == 200);
  }
  std::string ndjson;
  for (size_t i = 0; i < base.rows; ++i) ndjson += NdjsonLine(i, base.row(i), base.dim, "{\"i\":" + std::to_string(i) + "}");
  REQUIRE(ndjson.size() > (2u << 20));
  auto r = Bulk(http, "nd", "", ndjson, "application/x-ndjson");
  REQUIRE(r.status == 200);
  CHECK(JsonAt(r.body, "/result/points") == "10000");
  CHECK(JsonAt(r.body, "/result/status") == "completed");
  // The connection stays usable after a streamed body.
  CHECK(Count(http, "nd") == 10000);

  r = Bulk(http, "fv", "?format=fvecs", FileBytes(SharedDataDir() + "/siftsmall/base.fvecs"), "application/octet-stream");
  REQUIRE(r.status == 200);
  CHECK(Count(http, "fv") == 10000);
  for (size_t i : {size_t{0}, size_t{1234}, size_t{9999}}) {
    const std::vector<float> expected(base.row(i), base.row(i) + base.dim);
    CHECK(VectorOf(http, "nd", std::to_string(i)) == expected);
    CHECK(VectorOf(http, "fv", std::to_string(i)) == expected);
  }
  // Searches agree (exact and indexed).
  const Matrix queries = ReadFvecs(SharedDataDir() + "/siftsmall/query.fvecs", 10);
  for (size_t q = 0; q < queries.rows; ++q) {
    std::string body = "{\"limit\":10,\"params\":{\"exact\":true},\"vector\":";
    AppendFloats(&body, queries.row(q), queries.dim);
    body += "}";
    CHECK(JsonAt(http.Post("/collections/nd/points/search", body).body, "/result") ==
          JsonAt(http.Post("/collections/fv/points/search", body).body, "/result"));
  }

  SECTION("uploading the same again changes nothing (resume is idempotent)") {
    const std::string before = Scroll(http, "fv");
    r = Bulk(http, "fv", "?format=fvecs", FileBytes(SharedDataDir() + "/siftsmall/base.fvecs"),
             "application/octet-stream");
    REQUIRE(r.status == 200);
    CHECK(Count(http, "fv") == 10000);
  }
}

TEST_CASE("Bulk upload: npy float32/float16/uint8, bvecs, raw f32, multipart ids and payloads", "[e2e][bulk]") {
  TempDir data;
  ServerProcess server(data.path());
  HttpClient http(server.port());
  const size_t dim = 4;
  // Values every format holds exactly.
  std::vector<float> values;
  for (size_t i = 0; i < 6 * dim; ++i) values.push_back(static_cast<float>((i * 7) % 200 + 1));
  auto as_bytes = [&](auto convert, size_t size) {
    std::string out;
    for (float v : values) {
      auto x = convert(v);
      out.append(reinterpret_cast<const char*>(&x), size);
    }
    return out;
  };
  const std::string f32 = as_bytes([](float v) { return v; }, 4);
  const std::string u8 = as_bytes([](float v) { return static_cast<uint8_t>(v); }, 1);
  // float16 of small integers: exponent and mantissa by hand.
  const std::string f16 = as_bytes(
      [](float v) {
        int e = 0;
        const float m = std::frexp(v, &e);  // v = m * 2^e, m in [0.5, 1)
        const uint16_t mantissa = static_cast<uint16_t>((m * 2 - 1) * 1024);
        return static_cast<uint16_t>(((e - 1 + 15) << 10) | mantissa);
      },
      2);
  auto expect_points = [&](const std::string& c, uint64_t first_id) {
    CHECK(Count(http, c) == 6);
    for (size_t i = 0; i < 6; ++i) {
      const std::vector<float> expected(values.begin() + i * dim, values.begin() + (i + 1) * dim);
      CHECK(VectorOf(http, c, std::to_string(first_id + i)) == expected);
    }
  };
  int n = 0;
  for (const auto& [query, type, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"?start_id=100", "application/x-npy", NpyBody("<f4", 6, dim, f32)},
           {"?start_id=100&format=npy", "application/octet-stream", NpyBody("<f2", 6, dim, f16)},
           {"?start_id=100&format=npy", "application/octet-stream", NpyBody("|u1", 6, dim, u8)},
           {"?start_id=100&format=f32", "application/octet-stream", f32},
       }) {
    const std::string c = "c" + std::to_string(n++);
    INFO(c);
    REQUIRE(http.Put("/collections/" + c, R"({"vectors":{"size":4,"distance":"Dot"}})").status == 200);
    auto r = Bulk(http, c, query, body, type);
    REQUIRE(r.status == 200);
    expect_points(c, 100);
  }

  // Multipart: ids (numbers and UUIDs), payloads, bvecs vectors.
  REQUIRE(http.Put("/collections/mp", R"({"vectors":{"size":4,"distance":"Dot"}})").status == 200);
  std::string bvecs;
  for (size_t i = 0; i < 6; ++i) {
    const int32_t d = dim;
    bvecs.append(reinterpret_cast<const char*>(&d), 4);
    bvecs.append(u8.substr(i * dim, dim));
  }
  const std::string uuid = "550e8400-e29b-41d4-a716-446655440000";
  const std::string ids = "[1,2,3,\"" + uuid + "\",5,6]";
  const std::string payloads = "{\"n\":1}\n{\"n\":2}\n\nnull\n{\"n\":5}\n{\"tags\":[\"a\",\"b\"]}\n";
  const std::string b = "bulkBOUNDARY";
  std::string body = "--" + b + "\r\nContent-Disposition: form-data; name=\"ids\"\r\n\r\n" + ids + "\r\n--" + b +
                     "\r\nContent-Disposition: form-data; name=\"payloads\"\r\n\r\n" + payloads + "\r\n--" + b +
                     "\r\nContent-Disposition: form-data; name=\"vectors\"; filename=\"x.bvecs\"\r\n\r\n" + bvecs +
                     "\r\n--" + b + "--\r\n";
  auto r = Bulk(http, "mp", "", body, "multipart/form-data; boundary=" + b);
  REQUIRE(r.status == 200);
  CHECK(Count(http, "mp") == 6);
  CHECK(VectorOf(http, "mp", uuid) == std::vector<float>(values.begin() + 3 * dim, values.begin() + 4 * dim));
  auto p = http.Get("/collections/mp/points/2");
  CHECK(JsonAt(p.body, "/result/payload") == "{\"n\":2}");
  p = http.Get("/collections/mp/points/3");
  CHECK(JsonAt(p.body, "/result/payload") == "{}");
  p = http.Get("/collections/mp/points/6");
  CHECK(JsonAt(p.body, "/result/payload") == "{\"tags\":[\"a\",\"b\"]}");
}

TEST_CASE("Bulk upload: bad input is answered with its line or record, and exactly the prefix is stored",
          "[e2e][bulk]") {
  TempDir data;
  ServerProcess server(data.path());
  HttpClient http(server.port());
  const size_t dim = 8;
  auto vectors = RandomVectors(50, dim, 3);
  int n = 0;
  auto fresh = [&] {
    const std::string c = "bad" + std::to_string(n++);
    REQUIRE(http.Put("/collections/" + c, R"({"vectors":{"size":8,"distance":"Cosine"}})").status == 200);
    return c;
  };
  auto ndjson = [&](size_t lines) {
    std::string out;
    for (size_t i = 0; i < lines; ++i) out += NdjsonLine(i, vectors.data() + i * dim, dim);
    return out;
  };
  auto fvecs = [&](size_t rows) {
    std::string out;
    for (size_t i = 0; i < rows; ++i) {
      const int32_t d = dim;
      out.append(reinterpret_cast<const char*>(&d), 4);
      out.append(reinterpret_cast<const char*>(vectors.data() + i * dim), dim * 4);
    }
    return out;
  };
  struct Case {
    std::string what, query, type, body, mentions;
    size_t stored;
  };
  std::string wrong_dim = ndjson(4) + "{\"id\":4,\"vector\":[1,2,3]}\n" + ndjson(10);
  std::string malformed = ndjson(2) + "{\"id\":2,\"vector\":[1,2\n" + ndjson(10);
  std::string nan_line = ndjson(3) + "{\"id\":3,\"vector\":[1,2,3,4,5,6,7,NaN]}\n";
  std::string no_id = ndjson(1) + "{\"vector\":[1,2,3,4,5,6,7,8]}\n";
  std::string truncated = fvecs(10).substr(0, 7 * (4 + dim * 4) + 13);
  std::string bad_record_dim = fvecs(3);
  const int32_t seven = 7;
  bad_record_dim.append(reinterpret_cast<const char*>(&seven), 4);
  bad_record_dim.append(std::string(7 * 4, '\0'));
  bad_record_dim += fvecs(2);
  std::string nan_record = fvecs(5);
  const float nan = std::nanf("");
  std::memcpy(nan_record.data() + 2 * (4 + dim * 4) + 4 + 8, &nan, 4);  // record 2, value 2
  std::string npy3d = NpyBody("<f4", 1, dim, std::string(32, '\0'));
  REQUIRE(npy3d.find("(1, 8), ") != std::string::npos);
  npy3d.replace(npy3d.find("(1, 8), "), 8, "(1,8,1),");
  std::vector<Case> cases = {
      {"wrong dimension", "", "application/x-ndjson", wrong_dim, "line 5", 4},
      {"malformed line", "", "application/x-ndjson", malformed, "line 3", 2},
      {"NaN", "", "application/x-ndjson", nan_line, "line 4", 3},
      {"no id", "", "application/x-ndjson", no_id, "line 2", 1},
      {"truncated fvecs", "?format=fvecs", "application/octet-stream", truncated, "record 7", 7},
      {"fvecs row of another dimension", "?format=fvecs", "application/octet-stream", bad_record_dim, "record 3", 3},
      {"NaN in a record", "?format=fvecs", "application/octet-stream", nan_record, "record 2", 2},
      {"raw f32 cut mid-row", "?format=f32", "application/octet-stream", std::string(8 * 4 * 3 + 5, '\0'), "record 3", 3},
      {"npy of another dtype", "", "application/x-npy", NpyBody("<f8", 1, dim, std::string(64, '\0')), "dtype", 0},
      {"npy of another width", "", "application/x-npy", NpyBody("<f4", 1, 9, std::string(36, '\0')), "expected dim: 8", 0},
      {"npy shorter than its shape", "", "application/x-npy", NpyBody("<f4", 3, dim, std::string(64, '\0')), "record 2", 2},
      {"not npy", "", "application/x-npy", "hello", "NUMPY", 0},
      {"npy of 3 dimensions", "", "application/x-npy", npy3d, "shape", 0},
      {"unknown format", "?format=parquet", "application/octet-stream", "x", "unknown format", 0},
      {"no format", "", "application/octet-stream", "x", "format=", 0},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string name = fresh();
    auto r = Bulk(http, name, c.query, c.body, c.type);
    CHECK(r.status == 400);
    CHECK(r.body.find(c.mentions) != std::string::npos);
    if (c.stored > 0) CHECK(r.body.find("the " + std::to_string(c.stored) + " points before it are stored") != std::string::npos);
    CHECK(Count(http, name) == c.stored);
    UNSCOPED_INFO(r.body);
  }
  CHECK(Bulk(http, "missing", "", ndjson(2), "application/x-ndjson").status == 404);
  // An empty body stores nothing; the connection goes on (the body ended with its header).
  const std::string empty = fresh();
  auto e = Bulk(http, empty, "", "", "application/x-ndjson");
  CHECK(e.status == 200);
  CHECK(JsonAt(e.body, "/result/points") == "0");
  CHECK(Count(http, empty) == 0);
  // An error early in a large body: the answer arrives, the server keeps serving.
  const std::string name = fresh();
  std::string big = "not json\n" + std::string(8 << 20, ' ');
  auto r = Bulk(http, name, "", big, "application/x-ndjson");
  CHECK(r.status == 400);
  CHECK(r.body.find("line 1") != std::string::npos);
  CHECK(Count(http, name) == 0);
}

}  // namespace sextant::testing

namespace sextant::testing {

TEST_CASE("Bulk upload: stalled uploads never hold up other writes or searches", "[e2e][bulk]") {
  TempDir data;
  ServerProcess server(data.path());
  HttpClient http(server.port());
  REQUIRE(http.Put("/collections/s", R"({"vectors":{"size":4,"distance":"Dot"}})").status == 200);
  // More stalled uploads than the server has threads for writes (32): each
  // sends its header and one line, then nothing.
  boost::asio::io_context ioc;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> stalled;
  for (int i = 0; i < 40; ++i) {
    auto socket = std::make_unique<boost::asio::ip::tcp::socket>(ioc);
    socket->connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
    const std::string head =
        "POST /collections/s/points/bulk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
        "Content-Length: 100000\r\n\r\n{\"id\":" + std::to_string(1000 + i) + ",\"vector\":[1,2,3,4]}\n";
    boost::asio::write(*socket, boost::asio::buffer(head));
    stalled.push_back(std::move(socket));
  }
  // Time for the server to read their headers and start their handlers (were
  // it too short, the test would pass without testing anything, never fail).
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<float> v = {0.5f, 0.25f, 0.125f, 1.0f};
  auto put = http.Put("/collections/s/points?wait=true", BatchBody(v.data(), 4, 0, 1));
  auto search = http.Post("/collections/s/points/search", R"({"vector":[1,0,0,0],"limit":1})");
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(put.status == 200);
  CHECK(search.status == 200);
  // Not a timing measurement: the stalled uploads time out after 60 s, and a
  // write that waited for them would take that long.
  CHECK(secs < 20);
  stalled.clear();  // the uploads end early; whatever they stored is a prefix
  CHECK(Count(http, "s") >= 1);
}

}  // namespace sextant::testing
