// Filtered recall over HTTP against the real binary, on the real datasets in
// ../shared/data: the SIGMOD 2024 contest queries (category equality,
// timestamp range, both) and WordNet's same-lexfile filter. Each is run with
// the default planner and with a full-scan threshold so low that nearly every
// filtered query walks the HNSW graph, so the filtered walk itself is measured
// too. Recall@10 is counted by distance (ties exist); a query with fewer than
// 10 matches must return exactly its matches.
#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

#include "support/datasets.h"
#include "support/json_body.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/wait_green.h"

namespace sextant::testing {

namespace {

std::vector<float> ReadFloatRecords(const std::string& path, size_t record, size_t* count) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  uint32_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 4);
  std::vector<float> data(size_t{n} * record);
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size() * 4));
  REQUIRE(in);
  *count = n;
  return data;
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void AppendFloat(std::string* out, float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);  // shortest form: parses back to v, order kept
  out->append(buf, r.ptr);
}

// Upserts rows [0, n) as points with ids 0..n-1 in requests of 1,000,
// `payload(i)` giving each point's payload object as JSON text.
template <typename Row, typename Payload>
void UploadPoints(HttpClient& http, const std::string& collection, size_t n, size_t dim, Row row, Payload payload) {
  for (size_t b = 0; b < n; b += 1000) {
    std::string body = "{\"points\":[";
    for (size_t i = b; i < std::min(n, b + 1000); ++i) {
      if (i > b) body.push_back(',');
      body += "{\"id\":" + std::to_string(i) + ",\"payload\":" + payload(i) + ",\"vector\":";
      AppendFloats(&body, row(i), dim);
      body += "}";
    }
    body += "]}";
    REQUIRE(http.Put("/collections/" + collection + "/points?wait=true", body).status == 200);
  }
}

// The ids of a filtered ground-truth row (padded with -1 below 100 matches).
std::vector<int64_t> ValidIds(const std::vector<int32_t>& gt_row) {
  std::vector<int64_t> ids;
  for (int32_t id : gt_row) {
    if (id >= 0) ids.push_back(id);
  }
  return ids;
}

// Per-group tallies of recall@10.
struct Tally {
  size_t hits = 0, wanted = 0, queries = 0, exact_sets = 0, few = 0;
  double recall() const { return wanted == 0 ? 1.0 : double(hits) / double(wanted); }
};

// One query's score: `matches` = the filtered ground truth (valid ids, nearest
// first), `distance` = true distance of an id in ground-truth units.
template <typename Distance>
void Score(const std::vector<int64_t>& returned, const std::vector<int64_t>& matches, Distance distance, Tally* t) {
  ++t->queries;
  const size_t k = std::min<size_t>(10, matches.size());
  if (matches.size() < 10) {  // must return exactly the matches
    ++t->few;
    const std::set<int64_t> want(matches.begin(), matches.end());
    const std::set<int64_t> got(returned.begin(), returned.end());
    if (want == got && returned.size() == matches.size()) ++t->exact_sets;
  }
  if (k == 0) return;
  const double bound = distance(matches[k - 1]);
  const double tol = 1e-5 * std::max(1.0, std::abs(bound)) + 1e-6;
  t->wanted += k;
  for (size_t i = 0; i < returned.size() && i < k; ++i) t->hits += distance(returned[i]) <= bound + tol ? 1 : 0;
}

// Runs `queries` (each a search body without the vector's braces) in batches of 100.
std::vector<std::vector<int64_t>> RunSearches(HttpClient& http, const std::string& collection,
                                              const std::vector<std::string>& searches) {
  std::vector<std::vector<int64_t>> out;
  for (size_t b = 0; b < searches.size(); b += 100) {
    std::string body = "{\"searches\":[";
    for (size_t q = b; q < std::min(searches.size(), b + 100); ++q) {
      if (q > b) body.push_back(',');
      body += searches[q];
    }
    body += "]}";
    auto r = http.Post("/collections/" + collection + "/points/search/batch", body);
    REQUIRE(r.status == 200);
    for (auto& ids : BatchResultIds(r.body)) out.push_back(std::move(ids));
  }
  return out;
}

}  // namespace

TEST_CASE("sigmod24-dummy filtered queries over HTTP: recall@10 >= 0.95 per query type",
          "[e2e][recall][filter]") {
  const std::string dir = SharedDataDir() + "/sigmod24-dummy";
  size_t n = 0, nq = 0;
  const std::vector<float> data = ReadFloatRecords(dir + "/data.bin", 102, &n);
  const std::vector<float> queries = ReadFloatRecords(dir + "/queries.bin", 104, &nq);
  const auto gt = ReadVecs<int32_t>(dir + "/gt_filtered.ivecs");
  REQUIRE(n == 10000);
  REQUIRE(nq == 10000);
  REQUIRE(gt.size() == nq);
  const size_t dim = 100;
  auto base_row = [&](size_t i) { return data.data() + i * 102 + 2; };

  TempDir tmp;
  ServerProcess server(tmp.path());
  HttpClient http(server.port());
  // "walk": a full-scan threshold of 4 KB (10 points at dim 100) sends almost
  // every filtered search through the HNSW walk instead of the exact plan;
  // "ivf" the same through filtered IVF list scans (IVF-Flat, default nprobe).
  const std::vector<std::string> collections = {"planned", "walk", "ivf"};
  for (const std::string& name : collections) {
    std::string create = R"({"vectors":{"size":100,"distance":"Euclid"},"optimizers_config":{"indexing_threshold":1000})";
    if (name != "planned") create += R"(,"hnsw_config":{"full_scan_threshold":4})";
    if (name == "ivf") create += R"(,"ivf_config":{"quantizer":"flat"})";
    REQUIRE(http.Put("/collections/" + name, create + "}").status == 200);
    // Indexes first: every upsert below goes into them as it is applied.
    REQUIRE(http.Put("/collections/" + name + "/index?wait=true", R"({"field_name":"category","field_schema":"integer"})").status == 200);
    REQUIRE(http.Put("/collections/" + name + "/index?wait=true", R"({"field_name":"timestamp","field_schema":"float"})").status == 200);
    UploadPoints(http, name, n, dim, base_row, [&](size_t i) {
      std::string payload = "{\"category\":" + std::to_string(static_cast<int64_t>(data[i * 102])) + ",\"timestamp\":";
      AppendFloat(&payload, data[i * 102 + 1]);
      return payload + "}";
    });
    WaitGreen(http, name);
  }
  // 1,000 KB = 2,560 vectors a segment: 7,680 indexed, the rest in the growing segment.
  REQUIRE(http.Get("/collections/walk").body.find("\"indexed_vectors_count\":7680") != std::string::npos);
  REQUIRE(http.Get("/collections/ivf").body.find("\"indexed_vectors_count\":7680") != std::string::npos);
  REQUIRE(http.Get("/collections/ivf").body.find("\"ivf_config\":{\"nlist\":null,\"nprobe\":null,\"quantizer\":\"flat\"") !=
          std::string::npos);

  std::vector<std::string> searches;
  std::vector<int> types;
  for (size_t q = 0; q < nq; ++q) {
    const float* rec = queries.data() + q * 104;
    const int type = static_cast<int>(rec[0]);
    types.push_back(type);
    std::string s = "{\"limit\":10,\"vector\":";
    AppendFloats(&s, rec + 4, dim);
    std::string category = "{\"key\":\"category\",\"match\":{\"value\":" + std::to_string(static_cast<int64_t>(rec[1])) + "}}";
    std::string range = "{\"key\":\"timestamp\",\"range\":{\"gte\":";
    AppendFloat(&range, rec[2]);
    range += ",\"lte\":";
    AppendFloat(&range, rec[3]);
    range += "}}";
    if (type == 1) s += ",\"filter\":{\"must\":[" + category + "]}";
    if (type == 2) s += ",\"filter\":{\"must\":[" + range + "]}";
    if (type == 3) s += ",\"filter\":{\"must\":[" + category + "," + range + "]}";
    searches.push_back(s + "}");
  }

  for (const std::string& name : collections) {
    const auto results = RunSearches(http, name, searches);
    REQUIRE(results.size() == nq);
    Tally by_type[4], few, all;
    for (size_t q = 0; q < nq; ++q) {
      const std::vector<int64_t> matches = ValidIds(gt[q]);
      const float* query = queries.data() + q * 104 + 4;
      auto distance = [&](int64_t id) { return SquaredL2(query, base_row(static_cast<size_t>(id)), dim); };
      Score(results[q], matches, distance, &by_type[types[q]]);
      Score(results[q], matches, distance, &all);
      if (matches.size() < 10) Score(results[q], matches, distance, &few);
    }
    WARN(name << ": recall@10 overall " << all.recall() << "; plain " << by_type[0].recall() << " ("
              << by_type[0].queries << " queries), category " << by_type[1].recall() << " (" << by_type[1].queries
              << "), timestamp range " << by_type[2].recall() << " (" << by_type[2].queries << "), both "
              << by_type[3].recall() << " (" << by_type[3].queries << "); fewer than 10 matches: " << few.queries
              << " queries, " << few.exact_sets << " answered with exactly their matches, recall " << few.recall());
    CHECK(all.recall() >= 0.95);
    for (const Tally& t : by_type) CHECK(t.recall() >= 0.95);
    CHECK(few.exact_sets == few.queries);
    CHECK(few.queries > 0);
  }

  // Without payload indexes the same filters still work (payloads are read):
  // the first 1,000 queries give the same answers as with the indexes.
  REQUIRE(http.Delete("/collections/planned/index/category").status == 200);
  REQUIRE(http.Delete("/collections/planned/index/timestamp").status == 200);
  REQUIRE(http.Get("/collections/planned").body.find("\"payload_schema\":{}") != std::string::npos);
  const std::vector<std::string> first(searches.begin(), searches.begin() + 1000);
  Tally unindexed;
  const auto results = RunSearches(http, "planned", first);
  for (size_t q = 0; q < first.size(); ++q) {
    const std::vector<int64_t> matches = ValidIds(gt[q]);
    const float* query = queries.data() + q * 104 + 4;
    Score(results[q], matches, [&](int64_t id) { return SquaredL2(query, base_row(static_cast<size_t>(id)), dim); },
          &unindexed);
  }
  WARN("without payload indexes (1,000 queries): recall@10 " << unindexed.recall());
  CHECK(unindexed.recall() >= 0.95);
  CHECK(unindexed.exact_sets == unindexed.few);
}

TEST_CASE("wordnet-glove same-lexfile filter over HTTP: recall@10 >= 0.95", "[e2e][recall][filter]") {
  const std::string dir = SharedDataDir() + "/wordnet-glove";
  const Matrix base = ReadFvecs(dir + "/base.fvecs");
  const Matrix queries = ReadFvecs(dir + "/query.fvecs");
  const auto base_lexfile = ReadBytes(dir + "/base_lexfile.u8");
  const auto query_lexfile = ReadBytes(dir + "/query_lexfile.u8");
  const auto gt = ReadVecs<int32_t>(dir + "/gt_same_lexfile.ivecs");
  REQUIRE(base.rows == 30000);
  REQUIRE(queries.rows == 1000);

  TempDir tmp;
  ServerProcess server(tmp.path());
  HttpClient http(server.port());
  for (const std::string name : {"planned", "walk"}) {
    std::string create = R"({"vectors":{"size":100,"distance":"Cosine"},"optimizers_config":{"indexing_threshold":2000})";
    if (name == "walk") create += R"(,"hnsw_config":{"full_scan_threshold":4})";
    REQUIRE(http.Put("/collections/" + name, create + "}").status == 200);
    UploadPoints(http, name, base.rows, base.dim, [&](size_t i) { return base.row(i); },
                 [&](size_t i) { return "{\"lexfile\":" + std::to_string(base_lexfile[i]) + "}"; });
    // An index created over existing points.
    REQUIRE(http.Put("/collections/" + name + "/index?wait=true", R"({"field_name":"lexfile","field_schema":"integer"})").status == 200);
    WaitGreen(http, name);
  }
  std::vector<std::string> searches;
  for (size_t q = 0; q < queries.rows; ++q) {
    std::string s = "{\"limit\":10,\"filter\":{\"must\":[{\"key\":\"lexfile\",\"match\":{\"value\":" +
                    std::to_string(query_lexfile[q]) + "}}]},\"vector\":";
    AppendFloats(&s, queries.row(q), queries.dim);
    searches.push_back(s + "}");
  }
  for (const std::string name : {"planned", "walk"}) {
    const auto results = RunSearches(http, name, searches);
    Tally all;
    for (size_t q = 0; q < queries.rows; ++q) {
      const std::vector<int64_t> matches = ValidIds(gt[q]);
      for (int64_t id : results[q]) REQUIRE(base_lexfile[static_cast<size_t>(id)] == query_lexfile[q]);
      Score(results[q], matches, [&](int64_t id) { return CosineDistance(queries.row(q), base.row(static_cast<size_t>(id)), base.dim); },
            &all);
    }
    WARN("wordnet-glove same lexfile, " << name << ": recall@10 " << all.recall() << " (" << all.few
                                          << " queries with fewer than 10 matches, " << all.exact_sets << " exact)");
    CHECK(all.recall() >= 0.95);
    CHECK(all.exact_sets == all.few);
  }
}

}  // namespace sextant::testing
