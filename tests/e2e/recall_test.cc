// Recall@10 over HTTP against the real binary, with default settings, on the
// real datasets in ../shared/data (ground truth counted by distance).
#include <catch2/catch.hpp>

#include <cmath>
#include <thread>

#include "support/datasets.h"
#include "support/json_body.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/wait_green.h"

namespace sextant::testing {

namespace {

struct RecallResult {
  double recall = 0;
};

void Upload(HttpClient& http, const std::string& collection, const Matrix& base) {
  for (size_t b = 0; b < base.rows; b += 1000) {
    auto r = http.Put("/collections/" + collection + "/points?wait=true",
                      BatchBody(base.data.data(), base.dim, b, std::min(base.rows, b + 1000)));
    REQUIRE(r.status == 200);
  }
}

template <typename DistanceOf>
double MeasureRecall(HttpClient& http, const std::string& collection, const Matrix& queries,
                     const std::vector<std::vector<float>>& gt_dist, const std::string& params,
                     DistanceOf distance_of) {
  size_t hits = 0;
  for (size_t b = 0; b < queries.rows; b += 100) {
    std::string body = "{\"searches\":[";
    for (size_t q = b; q < std::min(queries.rows, b + 100); ++q) {
      if (q > b) body.push_back(',');
      body += "{\"limit\":10" + params + ",\"vector\":";
      AppendFloats(&body, queries.row(q), queries.dim);
      body += "}";
    }
    body += "]}";
    auto r = http.Post("/collections/" + collection + "/points/search/batch", body);
    REQUIRE(r.status == 200);
    auto results = BatchResultIds(r.body);
    for (size_t i = 0; i < results.size(); ++i) {
      const size_t q = b + i;
      REQUIRE(results[i].size() == 10);
      hits += HitsByDistance(results[i], gt_dist[q], 10, [&](int64_t id) { return distance_of(q, id); });
    }
  }
  return double(hits) / double(queries.rows * 10);
}

}  // namespace

TEST_CASE("siftsmall over HTTP: recall@10 >= 0.95 by default, 1.0 exact", "[e2e][recall]") {
  const std::string dir = SharedDataDir() + "/siftsmall";
  const Matrix base = ReadFvecs(dir + "/base.fvecs");
  const Matrix queries = ReadFvecs(dir + "/query.fvecs");
  const auto gt_dist = ReadVecs<float>(dir + "/gt_dist.fvecs");
  REQUIRE(base.rows == 10000);

  TempDir data;
  ServerProcess server(data.path());
  HttpClient http(server.port());
  // Default settings, except a threshold low enough that HNSW segments exist
  // (10,000 x 128 floats = 5,000 KB, below the default indexing threshold).
  REQUIRE(http.Put("/collections/sift", R"({"vectors":{"size":128,"distance":"Euclid"},)"
                                        R"("optimizers_config":{"indexing_threshold":1000}})")
              .status == 200);
  Upload(http, "sift", base);
  WaitGreen(http, "sift");
  REQUIRE(http.Get("/collections/sift").body.find("\"indexed_vectors_count\":0") == std::string::npos);
  auto l2 = [&](size_t q, int64_t id) { return SquaredL2(queries.row(q), base.row(id), base.dim); };
  const double ann = MeasureRecall(http, "sift", queries, gt_dist, "", l2);
  const double exact = MeasureRecall(http, "sift", queries, gt_dist, R"(,"params":{"exact":true})", l2);
  WARN("siftsmall recall@10: default " << ann << ", exact " << exact);
  CHECK(ann >= 0.95);
  CHECK(exact == 1.0);
}

TEST_CASE("glove100 (100k, cosine) over HTTP: recall@10 >= 0.95 by default, 1.0 exact",
          "[e2e][recall][slow]") {
  const std::string dir = SharedDataDir() + "/glove100";
  const Matrix base = ReadFvecs(dir + "/base.fvecs");
  const Matrix queries = ReadFvecs(dir + "/query.fvecs");
  const auto gt_dist = ReadVecs<float>(dir + "/gt_dist.fvecs");
  REQUIRE(base.rows == 100000);

  TempDir data;
  ServerProcess server(data.path());
  HttpClient http(server.port());
  REQUIRE(http.Put("/collections/glove", R"({"vectors":{"size":100,"distance":"Cosine"}})").status == 200);
  Upload(http, "glove", base);
  WaitGreen(http, "glove");
  auto cos = [&](size_t q, int64_t id) { return CosineDistance(queries.row(q), base.row(id), base.dim); };
  const double ann = MeasureRecall(http, "glove", queries, gt_dist, "", cos);
  const double exact = MeasureRecall(http, "glove", queries, gt_dist, R"(,"params":{"exact":true})", cos);
  WARN("glove100 recall@10: default " << ann << ", exact " << exact);
  CHECK(ann >= 0.95);
  CHECK(exact == 1.0);
}

}  // namespace sextant::testing
