// Snapshots through the real binary: create while writers run, list,
// download, recover from a file:// location and from a multipart upload into
// new names, refusal of damaged uploads with the collection untouched, full
// storage snapshots, and a restart.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/json_body.h"
#include "support/random_vectors.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

constexpr size_t kDim = 16;

// Returns the HTTP status (no assertion: writers run off the main thread).
int TryUpsert(HttpClient& http, const std::string& collection, size_t begin, size_t end, uint64_t seed) {
  auto data = RandomVectors(end - begin, kDim, seed);
  std::string body = "{\"points\":[";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) body += ",";
    body += "{\"id\":" + std::to_string(i) + ",\"payload\":{\"i\":" + std::to_string(i) + "},\"vector\":";
    AppendFloats(&body, data.data() + (i - begin) * kDim, kDim);
    body += "}";
  }
  body += "]}";
  return http.Put("/collections/" + collection + "/points?wait=true", body).status;
}

void Upsert(HttpClient& http, const std::string& collection, size_t begin, size_t end, uint64_t seed) {
  REQUIRE(TryUpsert(http, collection, begin, end, seed) == 200);
}

// Every point (id, payload, vector) in id order, as the server lists them.
std::string AllPoints(HttpClient& http, const std::string& collection) {
  auto r = http.Post("/collections/" + collection + "/points/scroll",
                     R"({"limit":100000,"with_payload":true,"with_vector":true})");
  REQUIRE(r.status == 200);
  return JsonAt(r.body, "/result/points");
}

std::string Searches(HttpClient& http, const std::string& collection) {
  auto queries = RandomVectors(10, kDim, 4242);
  std::string out;
  for (size_t q = 0; q < 10; ++q) {
    std::string body = "{\"limit\":10,\"vector\":";
    AppendFloats(&body, queries.data() + q * kDim, kDim);
    body += "}";
    auto r = http.Post("/collections/" + collection + "/points/search", body);
    REQUIRE(r.status == 200);
    out += JsonAt(r.body, "/result") + "\n";
  }
  return out;
}

std::string Multipart(const std::string& name, const std::string& data, const std::string& boundary) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
         "\"; filename=\"x.snapshot\"\r\nContent-Type: application/octet-stream\r\n\r\n" + data + "\r\n--" + boundary +
         "--\r\n";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("Snapshots over HTTP: create under load, download, recover, upload, refuse damage", "[e2e][snapshot]") {
  TempDir data;
  // A 1 MiB body limit: uploads stream, so a larger snapshot still goes in.
  ServerProcess server(data.path(), {"--body-limit-mb", "1"});
  HttpClient http(server.port());
  REQUIRE(http.Put("/collections/src", R"({"vectors":{"size":16,"distance":"Cosine"},
      "optimizers_config":{"indexing_threshold":50}})").status == 200);
  // Enough points for a snapshot over the 1 MiB body limit (~160 bytes a point).
  for (size_t b = 0; b < 12000; b += 1000) Upsert(http, "src", b, b + 1000, b + 1);

  // Writers keep going while snapshots are taken.
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_failed{false};
  std::thread writer([&] {
    HttpClient w(server.port());
    for (size_t b = 100000; !stop && b < 120000; b += 100) {
      if (TryUpsert(w, "src", b, b + 100, b) != 200) writer_failed = true;
    }
  });
  auto created = http.Post("/collections/src/snapshots?wait=true", "{}");
  stop = true;
  writer.join();
  CHECK_FALSE(writer_failed);
  REQUIRE(created.status == 200);
  const std::string name = JsonAt(created.body, "/result/name");
  CHECK(name.rfind("src-", 0) == 0);
  CHECK(JsonAt(created.body, "/result/checksum").size() == 64);
  CHECK(JsonAt(created.body, "/result/creation_time").size() == 19);  // 2024-07-22T08:31:55

  auto quiet = http.Post("/collections/src/snapshots", "{}");
  REQUIRE(quiet.status == 200);
  const std::string quiet_name = JsonAt(quiet.body, "/result/name");
  const std::string checksum = JsonAt(quiet.body, "/result/checksum");
  auto listed = http.Get("/collections/src/snapshots");
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find(name) != std::string::npos);
  CHECK(listed.body.find(quiet_name) != std::string::npos);

  const std::string file = data.path() + "/snapshots/src/" + quiet_name;
  auto download = http.Get("/collections/src/snapshots/" + quiet_name);
  REQUIRE(download.status == 200);
  CHECK(download.body == ReadFile(file));
  REQUIRE(download.body.size() > (1u << 20));

  const std::string expected_points = AllPoints(http, "src");
  const std::string expected_searches = Searches(http, "src");

  // Recover from the file, into a new name.
  auto recovered = http.Put("/collections/copy/snapshots/recover",
                            R"({"location":"file://)" + file + R"(","checksum":")" + checksum + R"("})");
  REQUIRE(recovered.status == 200);
  CHECK(JsonAt(recovered.body, "/result") == "true");
  CHECK(AllPoints(http, "copy") == expected_points);
  CHECK(Searches(http, "copy") == expected_searches);

  // The snapshot taken under load restores to a consistent collection too.
  REQUIRE(http.Put("/collections/loaded/snapshots/recover",
                   R"({"location":"file://)" + data.path() + "/snapshots/src/" + name + R"("})").status == 200);
  auto count = http.Post("/collections/loaded/points/count", R"({"exact":true})");
  CHECK(std::stoul(JsonAt(count.body, "/result/count")) >= 12000);

  // Upload (multipart, streamed past the 1 MiB body limit).
  auto uploaded = http.Request("POST", "/collections/up/snapshots/upload?checksum=" + checksum,
                               Multipart("snapshot", download.body, "XyZ-boundary-123"),
                               "multipart/form-data; boundary=XyZ-boundary-123");
  REQUIRE(uploaded.status == 200);
  CHECK(AllPoints(http, "up") == expected_points);

  // Damaged uploads: refused with a reason; "up" stays as it was.
  Upsert(http, "up", 500000, 500010, 9);
  const std::string up_before = AllPoints(http, "up");
  std::string flipped = download.body;
  flipped[flipped.size() / 2] ^= 0x04;
  for (const auto& [what, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"flipped", flipped}, {"truncated", download.body.substr(0, download.body.size() - 700)}, {"empty", ""}}) {
    INFO(what);
    auto r = http.Request("POST", "/collections/up/snapshots/upload", Multipart("snapshot", bytes, "b0undary"),
                          "multipart/form-data; boundary=b0undary");
    CHECK(r.status == 400);
    CHECK(r.body.find("Bad snapshot") != std::string::npos);
  }
  CHECK(AllPoints(http, "up") == up_before);
  // Other bad requests.
  CHECK(http.Request("POST", "/collections/up/snapshots/upload", Multipart("other", download.body, "b"),
                     "multipart/form-data; boundary=b").status == 400);
  CHECK(http.Request("POST", "/collections/up/snapshots/upload", download.body, "application/octet-stream").status ==
        400);
  CHECK(http.Put("/collections/up/snapshots/recover", R"({"location":"file:///etc/passwd"})").status == 400);
  CHECK(http.Put("/collections/up/snapshots/recover", R"({"location":"http://127.0.0.1:1/x.snapshot"})").status == 400);
  CHECK(http.Put("/collections/up/snapshots/recover",
                 R"({"location":"file://)" + file + R"(","checksum":")" + std::string(64, 'a') + R"("})").status == 400);
  CHECK(http.Put("/collections/up/snapshots/recover", R"({"nothing":1})").status == 400);
  const int traversal = http.Get("/collections/src/snapshots/..%2F..%2Fstore").status;
  CHECK((traversal == 400 || traversal == 404));
  CHECK(http.Get("/collections/src/snapshots/.hidden.snapshot").status == 400);
  CHECK(http.Get("/collections/src/snapshots/nope.snapshot").status == 404);
  CHECK(http.Get("/collections/none/snapshots").status == 404);
  CHECK(AllPoints(http, "up") == up_before);

  // Delete.
  auto deleted = http.Delete("/collections/src/snapshots/" + name);
  CHECK(deleted.status == 200);
  CHECK(http.Get("/collections/src/snapshots/" + name).status == 404);
  CHECK(http.Get("/collections/src/snapshots").body.find(name) == std::string::npos);

  // Full storage snapshots.
  auto full = http.Post("/snapshots", "{}");
  REQUIRE(full.status == 200);
  const std::string full_name = JsonAt(full.body, "/result/name");
  CHECK(http.Get("/snapshots").body.find(full_name) != std::string::npos);
  auto full_download = http.Get("/snapshots/" + full_name);
  CHECK(full_download.status == 200);
  CHECK(full_download.body.size() == std::stoul(JsonAt(full.body, "/result/size")));
  CHECK(http.Delete("/snapshots/" + full_name).status == 200);
  CHECK(http.Get("/snapshots/" + full_name).status == 404);

  // After a restart the restored collections are still there, the same.
  server.Restart();
  HttpClient after(server.port());
  CHECK(AllPoints(after, "copy") == expected_points);
  CHECK(Searches(after, "copy") == expected_searches);
  CHECK(AllPoints(after, "up") == up_before);
}

}  // namespace sextant::testing
