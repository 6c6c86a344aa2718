// A collection's index kind and quantization: IVF segments, config updates
// that rebuild segments in the background, persistence of both.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "core/collection.h"
#include "core/optimizer.h"
#include "core/segment_persistence.h"
#include "index/index_factory.h"
#include "support/datasets.h"
#include "support/small_config.h"
#include "support/temp_dir.h"

namespace sextant {

namespace {

struct Sift {
  testing::Matrix base, queries;
};

const Sift& Siftsmall() {
  static const Sift sift = [] {
    const std::string dir = testing::SharedDataDir() + "/siftsmall";
    return Sift{testing::ReadFvecs(dir + "/base.fvecs"), testing::ReadFvecs(dir + "/query.fvecs")};
  }();
  return sift;
}

Collection::Env WithOptimizer(Optimizer* optimizer) {
  Collection::Env env;
  env.optimizer = optimizer;
  env.build_threads = 2;
  return env;
}

// siftsmall in segments of 2,000 points (1,000 KB of 128-d vectors).
CollectionConfig SiftConfig() { return testing::SmallConfig(128, Metric::kEuclid, 1000); }

void Fill(Collection& c) {
  const Sift& s = Siftsmall();
  for (size_t begin = 0; begin < s.base.rows; begin += 500) {
    std::vector<PointInput> points;
    for (size_t i = begin; i < begin + 500; ++i) {
      points.push_back({PointId::Num(i), std::vector<float>(s.base.row(i), s.base.row(i) + 128), ""});
    }
    REQUIRE(c.Upsert(std::move(points)).ok());
  }
}

std::vector<ScoredPoint> Query(const Collection& c, size_t q, QueryOptions o = {}) {
  const Sift& s = Siftsmall();
  o.vector.assign(s.queries.row(q), s.queries.row(q) + 128);
  o.limit = 10;
  auto got = c.Query(o);
  REQUIRE(got.ok());
  return *got;
}

// Recall@10 against exact search, counted by distance (Euclid scores are
// distances: lower is closer).
double Recall(const Collection& c, QueryOptions o = {}) {
  size_t hits = 0, total = 0;
  for (size_t q = 0; q < Siftsmall().queries.rows; ++q) {
    QueryOptions exact;
    exact.exact = true;
    const auto truth = Query(c, q, exact);
    const float bound = truth.back().score * (1 + 1e-5f);
    for (const auto& p : Query(c, q, o)) hits += p.score <= bound;
    total += truth.size();
  }
  return double(hits) / double(total);
}

std::vector<std::vector<PointId>> Ids(const Collection& c) {
  std::vector<std::vector<PointId>> all;
  for (size_t q = 0; q < Siftsmall().queries.rows; ++q) {
    std::vector<PointId> ids;
    for (const auto& p : Query(c, q)) ids.push_back(p.id);
    all.push_back(std::move(ids));
  }
  return all;
}

}  // namespace

TEST_CASE("An IVF collection seals segments as IVF and loads them back after a restart", "[core][ivf]") {
  testing::TempDir dir;
  CollectionConfig config = SiftConfig();
  config.index = IndexKind::kIvf;
  config.ivf.quantizer = IvfQuantizer::kSq8;
  std::vector<std::vector<PointId>> before;
  {
    Optimizer optimizer;
    auto c = Collection::Create(dir.path() + "/c", "c", config, WithOptimizer(&optimizer));
    REQUIRE(c.ok());
    Fill(**c);
    (*c)->TEST_WaitForIndexing();
    const CollectionInfo info = (*c)->Info();
    CHECK(info.config.index == IndexKind::kIvf);
    CHECK(info.indexed_vectors_count == 10000);
    CHECK(Recall(**c) >= 0.95);
    // More lists probed, more recall; ignoring the codes scans the floats.
    QueryOptions one;
    one.ivf_nprobe = 1;
    CHECK(Recall(**c, one) < Recall(**c));
    QueryOptions floats;
    floats.ignore_quantization = true;
    CHECK(Recall(**c, floats) >= 0.95);
    before = Ids(**c);
  }
  auto c = Collection::Open(dir.path() + "/c", WithOptimizer(nullptr));
  REQUIRE(c.ok());
  CHECK((*c)->index_builds() == 0);
  CHECK((*c)->config().index == IndexKind::kIvf);
  CHECK((*c)->config().ivf.quantizer == IvfQuantizer::kSq8);
  CHECK((*c)->Info().status == CollectionInfo::Status::kGreen);
  CHECK(Ids(**c) == before);
}

TEST_CASE("A config update rebuilds every segment in the background and persists", "[core][ivf]") {
  testing::TempDir dir;
  auto optimizer = std::make_unique<Optimizer>();
  auto c = Collection::Create(dir.path() + "/c", "c", SiftConfig(), WithOptimizer(optimizer.get()));
  REQUIRE(c.ok());
  Fill(**c);
  (*c)->TEST_WaitForIndexing();
  const uint64_t builds = (*c)->index_builds();

  SECTION("to IVF-PQ and back to HNSW") {
    REQUIRE((*c)->UpdateConfig([](CollectionConfig* config) {
      config->index = IndexKind::kIvf;
      config->ivf.quantizer = IvfQuantizer::kPq;
      return Status::OK();
    }).ok());
    (*c)->TEST_WaitForIndexing();
    CHECK((*c)->index_builds() > builds);
    CHECK((*c)->Info().indexed_vectors_count == 10000);
    CHECK(Recall(**c) >= 0.90);
    REQUIRE((*c)->UpdateConfig([](CollectionConfig* config) {
      config->index = IndexKind::kHnsw;
      return Status::OK();
    }).ok());
    (*c)->TEST_WaitForIndexing();
    CHECK(Recall(**c) >= 0.95);
  }
  SECTION("an invalid update changes nothing") {
    CHECK((*c)->UpdateConfig([](CollectionConfig* config) {
      config->index = IndexKind::kIvf;
      config->ivf.pq_m = 7;  // does not divide 128
      return Status::OK();
    }).code() == Status::Code::kInvalidArgument);
    CHECK((*c)->UpdateConfig([](CollectionConfig* config) {
      config->dim = 64;
      return Status::OK();
    }).code() == Status::Code::kInvalidArgument);
    CHECK((*c)->config().index == IndexKind::kHnsw);
    CHECK((*c)->config().dim == 128);
    CHECK((*c)->index_builds() == builds);
  }
  SECTION("the new config survives a restart") {
    REQUIRE((*c)->UpdateConfig([](CollectionConfig* config) {
      config->index = IndexKind::kIvf;
      config->ivf.nlist = 32;
      config->ivf.nprobe = 8;
      return Status::OK();
    }).ok());
    (*c)->TEST_WaitForIndexing();
    optimizer.reset();  // joins its thread, which may still hold the collection
    c->reset();
    auto again = Collection::Open(dir.path() + "/c", WithOptimizer(nullptr));
    INFO(again.status().ToString());
    REQUIRE(again.ok());
    CHECK((*again)->config().index == IndexKind::kIvf);
    CHECK((*again)->config().ivf.nlist == 32);
    CHECK((*again)->config().ivf.nprobe == 8);
    CHECK((*again)->index_builds() == 0);  // the rebuilt segments were saved
    CHECK((*again)->Info().status == CollectionInfo::Status::kGreen);
    CHECK(Recall(**again) >= 0.95);
  }
}

}  // namespace sextant

namespace sextant {

TEST_CASE("A restart in the middle of a rebuild finishes it", "[core][ivf]") {
  testing::TempDir dir;
  {
    Optimizer optimizer;
    auto c = Collection::Create(dir.path() + "/c", "c", SiftConfig(), WithOptimizer(&optimizer));
    REQUIRE(c.ok());
    Fill(**c);
    (*c)->TEST_WaitForIndexing();
  }
  {
    // No optimizer: the update is stored, nothing is rebuilt before the "crash".
    auto c = Collection::Open(dir.path() + "/c", WithOptimizer(nullptr));
    REQUIRE(c.ok());
    REQUIRE((*c)->UpdateConfig([](CollectionConfig* config) {
      config->quantization.emplace();
      return Status::OK();
    }).ok());
    CHECK((*c)->Info().status == CollectionInfo::Status::kYellow);
  }
  Optimizer optimizer;
  auto c = Collection::Open(dir.path() + "/c", WithOptimizer(&optimizer));
  REQUIRE(c.ok());
  CHECK((*c)->config().quantization.has_value());
  (*c)->TEST_WaitForIndexing();  // returns only once the rebuild ran
  CHECK((*c)->index_builds() > 0);
  CHECK(Recall(**c) >= 0.95);
}

TEST_CASE("A segment file whose header names an impossible index is damage, not a fatal error",
          "[core][ivf][recovery]") {
  testing::TempDir dir;
  const Sift& s = Siftsmall();
  IndexSpec spec;
  spec.kind = IndexSpec::Kind::kIvf;
  auto index = MakeIndex(spec, 128, Metric::kEuclid, 0);
  REQUIRE(index.ok());
  std::vector<Offset> offsets = {0, 1, 2};
  REQUIRE((*index)->Add(offsets, MatrixView(s.base.row(0), 3, 128)).ok());
  const CollectionConfig config = SiftConfig();
  for (auto damage : {0, 1}) {
    IndexSpec header = spec;
    CollectionConfig collection = config;
    if (damage == 0) {
      header.codes = Codes::kPq;
      header.pq_m = 7;  // does not divide 128
    } else {
      header.codes = Codes::kSq8;
      collection.metric = Metric::kManhattan;  // codes are never built for L1
    }
    auto record = SaveSegmentFile(dir.path(), "seg-00000" + std::to_string(damage) + ".idx", **index, header, 1, 1);
    REQUIRE(record.ok());
    auto loaded = LoadSegmentFile(dir.path(), *record, collection, 1);
    CHECK(loaded.status().code() == Status::Code::kCorruption);
  }
}

}  // namespace sextant

namespace sextant {

TEST_CASE("Config updates race writers, searches and the optimizer: nothing lost, no duplicate",
          "[core][ivf][concurrency]") {
  testing::TempDir dir;
  Optimizer optimizer;
  const size_t dim = 16;
  // 64 bytes a vector: 16 KB seals every 256 points.
  auto c = Collection::Create(dir.path() + "/c", "c", testing::SmallConfig(dim, Metric::kEuclid, 16),
                              WithOptimizer(&optimizer));
  REQUIRE(c.ok());
  Collection& col = **c;
  const Sift& s = Siftsmall();  // the first 16 dimensions of siftsmall: clustered data
  auto vector_of = [&](size_t i) {
    const float* row = s.base.row(i % s.base.rows);
    return std::vector<float>(row, row + dim);
  };
  std::atomic<bool> done{false};
  std::atomic<int> write_failures{0}, read_failures{0}, duplicate_ids{0}, update_failures{0};
  std::thread writer([&] {
    for (size_t b = 0; b < 4000; b += 100) {
      std::vector<PointInput> points;
      for (size_t i = b; i < b + 100; ++i) points.push_back({PointId::Num(i % 3000), vector_of(i), ""});
      if (!col.Upsert(std::move(points)).ok()) ++write_failures;
    }
    done = true;
  });
  std::thread updater([&] {
    const auto kinds = {0, 1, 2, 3};
    while (!done) {
      for (int kind : kinds) {
        Status st = col.UpdateConfig([kind](CollectionConfig* config) {
          config->index = kind % 2 == 0 ? IndexKind::kHnsw : IndexKind::kIvf;
          config->ivf.quantizer = kind == 1 ? IvfQuantizer::kSq8 : IvfQuantizer::kFlat;
          if (kind == 2) {
            config->quantization.emplace();
          } else {
            config->quantization.reset();
          }
          return Status::OK();
        });
        if (!st.ok()) ++update_failures;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      size_t rounds = 0;
      while (!done || rounds < 20) {
        QueryOptions o;
        o.vector = vector_of(r * 7);
        o.limit = 10;
        o.ivf_nprobe = rounds % 3;  // 0: the default
        o.ignore_quantization = rounds % 4 == 1;
        auto hits = col.Query(o);
        if (!hits.ok()) {
          ++read_failures;
          break;
        }
        std::set<PointId> ids;
        for (const auto& p : *hits) ids.insert(p.id);
        if (ids.size() != hits->size()) ++duplicate_ids;
        (void)col.Info();
        ++rounds;
      }
    });
  }
  writer.join();
  updater.join();
  for (auto& t : readers) t.join();
  CHECK(write_failures == 0);
  CHECK(read_failures == 0);
  CHECK(duplicate_ids == 0);
  CHECK(update_failures == 0);
  col.TEST_WaitForIndexing();
  CHECK(col.Count() == 3000);
  // Every point, searched exactly by its own vector, is found.
  for (size_t i = 0; i < 3000; i += 97) {
    QueryOptions o;
    o.vector = vector_of(i < 1000 ? i + 3000 : i);  // ids below 1000 were written twice
    o.limit = 1;
    o.exact = true;
    auto hits = col.Query(o);
    REQUIRE(hits.ok());
    REQUIRE(hits->size() == 1);
    CHECK(hits->front().score < 1e-3f);
  }
}

}  // namespace sextant
