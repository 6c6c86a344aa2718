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

namespace {

// One collection through every IVF kind: created as IVF-Flat, then switched
// with PUT /collections/{c}/ivf (every segment is rebuilt in the background),
// each measured at its defaults (nprobe nlist/8, rescoring with the default
// oversampling).
template <typename DistanceOf>
void CheckIvfKinds(HttpClient& http, const std::string& name, const Matrix& queries,
                   const std::vector<std::vector<float>>& gt_dist, DistanceOf distance_of) {
  struct Kind {
    const char* quantizer;
    double min_recall;
  };
  for (const Kind& kind : {Kind{"flat", 0.95}, Kind{"sq8", 0.95}, Kind{"pq", 0.90}}) {
    if (std::string(kind.quantizer) != "flat") {
      REQUIRE(http.Put("/collections/" + name + "/ivf", std::string(R"({"quantizer":")") + kind.quantizer + "\"}")
                  .status == 200);
    }
    WaitGreen(http, name);
    const std::string info = http.Get("/collections/" + name).body;
    REQUIRE(info.find(std::string(R"("quantizer":")") + kind.quantizer + "\"") != std::string::npos);
    REQUIRE(info.find("\"indexed_vectors_count\":0") == std::string::npos);
    const double recall = MeasureRecall(http, name, queries, gt_dist, "", distance_of);
    const double no_rescore =
        MeasureRecall(http, name, queries, gt_dist, R"(,"params":{"quantization":{"rescore":false}})", distance_of);
    const double more_probes = MeasureRecall(http, name, queries, gt_dist, R"(,"params":{"ivf_nprobe":1000})", distance_of);
    WARN(name << " IVF-" << kind.quantizer << " recall@10: default " << recall << ", without rescoring "
              << no_rescore << ", nprobe 1000 " << more_probes);
    CHECK(recall >= kind.min_recall);
    CHECK(more_probes >= recall);
  }

  // Then HNSW with Qdrant's scalar int8 quantization: set it (IVF segments
  // ignore it), then leave IVF: one rebuild into int8 HNSW segments.
  REQUIRE(http.Patch("/collections/" + name,
                     R"({"quantization_config":{"scalar":{"type":"int8","quantile":0.99,"always_ram":true}}})")
              .status == 200);
  REQUIRE(http.Delete("/collections/" + name + "/ivf").status == 200);
  WaitGreen(http, name);
  const std::string info = http.Get("/collections/" + name).body;
  REQUIRE(info.find(R"("ivf_config":null)") != std::string::npos);
  REQUIRE(info.find(R"("quantization_config":{"scalar":{"type":"int8","quantile":0.99)") != std::string::npos);
  const double recall = MeasureRecall(http, name, queries, gt_dist, "", distance_of);
  const double codes_only =
      MeasureRecall(http, name, queries, gt_dist, R"(,"params":{"quantization":{"rescore":false}})", distance_of);
  const double floats =
      MeasureRecall(http, name, queries, gt_dist, R"(,"params":{"quantization":{"ignore":true}})", distance_of);
  const double oversampled = MeasureRecall(
      http, name, queries, gt_dist, R"(,"params":{"quantization":{"rescore":true,"oversampling":4.0}})", distance_of);
  WARN(name << " HNSW int8 recall@10: default " << recall << ", without rescoring " << codes_only
            << ", ignoring the codes " << floats << ", oversampling 4 " << oversampled);
  CHECK(recall >= 0.95);
  CHECK(oversampled >= recall - 0.002);
}

}  // namespace

TEST_CASE("siftsmall over HTTP, IVF-Flat / SQ8 / PQ: recall@10 at the default nprobe", "[e2e][recall][ivf]") {
  const std::string dir = SharedDataDir() + "/siftsmall";
  const Matrix base = ReadFvecs(dir + "/base.fvecs");
  const Matrix queries = ReadFvecs(dir + "/query.fvecs");
  const auto gt_dist = ReadVecs<float>(dir + "/gt_dist.fvecs");

  TempDir data;
  ServerProcess server(data.path());
  HttpClient http(server.port());
  REQUIRE(http.Put("/collections/sift", R"({"vectors":{"size":128,"distance":"Euclid"},)"
                                        R"("optimizers_config":{"indexing_threshold":1000},"ivf_config":{}})")
              .status == 200);
  Upload(http, "sift", base);
  CheckIvfKinds(http, "sift", queries, gt_dist,
                [&](size_t q, int64_t id) { return SquaredL2(queries.row(q), base.row(id), base.dim); });
}

TEST_CASE("glove100 (100k, cosine) over HTTP, IVF-Flat / SQ8 / PQ: recall@10 at the default nprobe",
          "[e2e][recall][ivf][slow]") {
  const std::string dir = SharedDataDir() + "/glove100";
  const Matrix base = ReadFvecs(dir + "/base.fvecs");
  const Matrix queries = ReadFvecs(dir + "/query.fvecs");
  const auto gt_dist = ReadVecs<float>(dir + "/gt_dist.fvecs");

  TempDir data;
  ServerProcess server(data.path());
  HttpClient http(server.port());
  REQUIRE(http.Put("/collections/glove", R"({"vectors":{"size":100,"distance":"Cosine"},"ivf_config":{}})").status ==
          200);
  Upload(http, "glove", base);
  CheckIvfKinds(http, "glove", queries, gt_dist,
                [&](size_t q, int64_t id) { return CosineDistance(queries.row(q), base.row(id), base.dim); });
}

}  // namespace sextant::testing
