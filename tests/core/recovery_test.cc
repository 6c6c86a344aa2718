// Restart and recovery: saved segments load without re-indexing, replay is
// idempotent, damaged files are never loaded, a full disk fails writes only.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/collection.h"
#include "core/optimizer.h"
#include "core/segment_persistence.h"
#include "index/flat_index.h"
#include "storage/collection_store.h"
#include "support/datasets.h"
#include "support/random_vectors.h"
#include "support/small_config.h"
#include "support/temp_dir.h"

namespace sextant {

namespace fs = std::filesystem;

namespace {

using testing::SmallConfig;

Collection::Env WithOptimizer(Optimizer* optimizer, std::shared_ptr<StorageFaults> faults = nullptr) {
  Collection::Env env;
  env.optimizer = optimizer;
  env.build_threads = 2;
  env.faults = std::move(faults);
  return env;
}

std::vector<PointInput> Points(const float* data, size_t n, size_t dim, uint64_t first_id) {
  std::vector<PointInput> points;
  for (size_t i = 0; i < n; ++i) {
    points.push_back(PointInput{PointId::Num(first_id + i), std::vector<float>(data + i * dim, data + (i + 1) * dim),
                                "{\"i\":" + std::to_string(first_id + i) + "}"});
  }
  return points;
}

using Results = std::vector<std::vector<std::pair<PointId, float>>>;

Results Search(const Collection& c, const std::vector<float>& queries, size_t dim, size_t limit = 10) {
  Results all;
  for (size_t q = 0; q < queries.size() / dim; ++q) {
    QueryOptions o;
    o.vector.assign(queries.begin() + q * dim, queries.begin() + (q + 1) * dim);
    o.limit = limit;
    auto got = c.Query(o);
    REQUIRE(got.ok());
    std::vector<std::pair<PointId, float>> row;
    for (const auto& p : *got) row.emplace_back(p.id, p.score);
    all.push_back(std::move(row));
  }
  return all;
}

// Every point, exactly: id -> (vector, payload, version).
std::map<PointId, std::tuple<std::vector<float>, std::string, uint64_t>> Everything(const Collection& c) {
  std::map<PointId, std::tuple<std::vector<float>, std::string, uint64_t>> all;
  std::optional<PointId> from;
  do {
    auto page = c.Scroll(from, 1000, true, true);
    REQUIRE(page.ok());
    for (const auto& r : page->points) all[r.id] = {*r.vector, r.payload.value_or(""), 0};
    from = page->next_page_offset;
  } while (from);
  return all;
}

// A collection with several indexed segments, a growing tail, updates and
// deletes; its sealed segments are HNSW ("hnsw"), HNSW walking int8 codes
// ("hnsw-int8") or IVF-SQ8 ("ivf-sq8"): all persist and recover alike.
struct Fixture {
  explicit Fixture(const std::string& kind = "hnsw") {
    if (kind == "hnsw-int8") config.quantization.emplace();
    if (kind == "ivf-sq8") {
      config.index = IndexKind::kIvf;
      config.ivf.quantizer = IvfQuantizer::kSq8;
    }
  }
  static constexpr size_t kDim = 16, kN = 6000;
  // 16 dims = 64 bytes a vector: 100 KB seals every 1600 points.
  CollectionConfig config = SmallConfig(kDim, Metric::kEuclid, 100);
  testing::TempDir tmp;
  std::string dir = tmp.Sub("c");
  std::vector<float> data = testing::RandomVectors(kN, kDim, 31);
  std::vector<float> queries = testing::RandomVectors(40, kDim, 32);

  void Fill() {
    Optimizer optimizer;
    auto c = Collection::Create(dir, "c", config, WithOptimizer(&optimizer));
    REQUIRE(c.ok());
    for (size_t b = 0; b < kN; b += 500) REQUIRE((*c)->Upsert(Points(data.data() + b * kDim, 500, kDim, b)).ok());
    // Updates (new vectors for old ids) and deletes, in indexed and growing parts.
    auto moved = testing::RandomVectors(100, kDim, 33);
    REQUIRE((*c)->Upsert(Points(moved.data(), 100, kDim, 50)).ok());
    std::vector<PointId> gone;
    for (uint64_t id = 1000; id < 6000; id += 97) gone.push_back(PointId::Num(id));
    REQUIRE((*c)->Delete(gone).ok());
    (*c)->TEST_WaitForIndexing();
  }
};

}  // namespace

TEST_CASE("A restart loads saved segments without building any index and answers identically",
          "[core][recovery]") {
  const std::string kind = GENERATE(as<std::string>{}, "hnsw", "hnsw-int8", "ivf-sq8");
  INFO("segments: " << kind);
  Fixture f(kind);
  f.Fill();
  Results before;
  std::map<PointId, std::tuple<std::vector<float>, std::string, uint64_t>> points_before;
  CollectionInfo info_before;
  SegmentManifest manifest;
  {
    Optimizer optimizer;
    auto c = Collection::Open(f.dir, WithOptimizer(&optimizer));
    REQUIRE(c.ok());
    (*c)->TEST_WaitForIndexing();
    before = Search(**c, f.queries, Fixture::kDim);
    points_before = Everything(**c);
    info_before = (*c)->Info();
    auto m = (*c)->TEST_Manifest();
    REQUIRE(m.ok());
    manifest = *m;
  }
  REQUIRE(info_before.indexed_vectors_count > 0);
  REQUIRE_FALSE(manifest.files.empty());
  CHECK(manifest.replay_from > 1);  // the op log before the saved segments is trimmed

  // No optimizer at all: if an index were not loaded, nothing could build it.
  auto c = Collection::Open(f.dir, WithOptimizer(nullptr));
  REQUIRE(c.ok());
  CHECK((*c)->index_builds() == 0);
  const CollectionInfo info = (*c)->Info();
  CHECK(info.status == CollectionInfo::Status::kGreen);
  CHECK(info.points_count == info_before.points_count);
  CHECK(info.indexed_vectors_count == info_before.indexed_vectors_count);
  CHECK(info.segments_count == info_before.segments_count);
  CHECK(Search(**c, f.queries, Fixture::kDim) == before);
  CHECK(Everything(**c) == points_before);

  SECTION("replaying the op log again, from anywhere, changes nothing") {
    REQUIRE((*c)->TEST_ReplayOpLog(manifest.replay_from).ok());
    REQUIRE((*c)->TEST_ReplayOpLog(0).ok());
    CHECK((*c)->Info().points_count == info_before.points_count);
    CHECK((*c)->Info().segments_count == info_before.segments_count);
    CHECK(Search(**c, f.queries, Fixture::kDim) == before);
    CHECK(Everything(**c) == points_before);
  }
  SECTION("writes after the restart continue the sequence and survive the next one") {
    auto more = testing::RandomVectors(10, Fixture::kDim, 34);
    auto seq = (*c)->Upsert(Points(more.data(), 10, Fixture::kDim, 100000));
    REQUIRE(seq.ok());
    c->reset();
    auto again = Collection::Open(f.dir, WithOptimizer(nullptr));
    REQUIRE(again.ok());
    CHECK((*again)->Count() == info_before.points_count + 10);
    auto everything = Everything(**again);
    CHECK(std::get<0>(everything[PointId::Num(100003)]) ==
          std::vector<float>(more.begin() + 3 * Fixture::kDim, more.begin() + 4 * Fixture::kDim));
  }
}

TEST_CASE("A damaged, missing or stray segment file is never loaded; its points come back from the store",
          "[core][recovery]") {
  const std::string kind = GENERATE(as<std::string>{}, "hnsw", "hnsw-int8", "ivf-sq8");
  INFO("segments: " << kind);
  Fixture f(kind);
  f.Fill();
  Results before;
  std::map<PointId, std::tuple<std::vector<float>, std::string, uint64_t>> points_before;
  std::vector<std::string> files;
  {
    auto c = Collection::Open(f.dir, WithOptimizer(nullptr));
    REQUIRE(c.ok());
    points_before = Everything(**c);
    auto m = (*c)->TEST_Manifest();
    REQUIRE(m.ok());
    for (const auto& file : m->files) files.push_back(file.name);
  }
  REQUIRE_FALSE(files.empty());
  const std::string victim = f.dir + "/segments/" + files.front();

  SECTION("one flipped byte") {
    std::fstream io(victim, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(static_cast<std::streamoff>(fs::file_size(victim) / 2));
    io.put('\x5a');
  }
  SECTION("truncated") { fs::resize_file(victim, fs::file_size(victim) / 3); }
  SECTION("missing") { fs::remove(victim); }
  SECTION("replaced by another valid segment file") {
    // Intact and for the same dim and metric, but not the file the manifest lists.
    FlatIndex other(Fixture::kDim, Metric::kEuclid);
    std::vector<Offset> offsets = {0, 1};
    REQUIRE(other.Add(offsets, MatrixView(f.data.data(), 2, Fixture::kDim)).ok());
    REQUIRE(SaveSegmentFile(f.dir + "/segments", files.front(), other, IndexSpec::Flat(), 1, 1).ok());
  }
  // Crash leftovers: a half-written file and a finished one never listed.
  { std::ofstream(f.dir + "/segments/seg-999999.idx.tmp") << "partial"; }
  { std::ofstream(f.dir + "/segments/seg-888888.idx") << "unlisted"; }

  auto optimizer = std::make_unique<Optimizer>();
  auto c = Collection::Open(f.dir, WithOptimizer(optimizer.get()));
  REQUIRE(c.ok());
  CHECK_FALSE(fs::exists(f.dir + "/segments/seg-999999.idx.tmp"));
  CHECK_FALSE(fs::exists(f.dir + "/segments/seg-888888.idx"));
  // Every point, exactly, at once (the damaged segment's points are searched
  // exactly until they are indexed again).
  CHECK(Everything(**c) == points_before);
  auto m = (*c)->TEST_Manifest();
  REQUIRE(m.ok());
  for (const auto& file : m->files) CHECK(file.name != files.front());
  (*c)->TEST_WaitForIndexing();
  CHECK((*c)->index_builds() > 0);
  CHECK(Everything(**c) == points_before);
  // And the rebuilt state is saved: the next open builds nothing.
  optimizer.reset();  // joins its thread, which may still hold the collection
  c->reset();
  auto again = Collection::Open(f.dir, WithOptimizer(nullptr));
  REQUIRE(again.ok());
  CHECK((*again)->index_builds() == 0);
  CHECK((*again)->Info().status == CollectionInfo::Status::kGreen);
  CHECK(Everything(**again) == points_before);
}

TEST_CASE("A full disk fails writes with an I/O error while reads keep working; nothing is lost",
          "[core][recovery][faults]") {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("c");
  const size_t dim = 8;
  auto data = testing::RandomVectors(200, dim, 35);
  auto faults = std::make_shared<StorageFaults>();
  {
    auto c = Collection::Create(dir, "c", SmallConfig(dim, Metric::kDot, 0), WithOptimizer(nullptr, faults));
    REQUIRE(c.ok());
    REQUIRE((*c)->Upsert(Points(data.data(), 100, dim, 0)).ok());
    faults->disk_full = true;
    auto failed = (*c)->Upsert(Points(data.data() + 100 * dim, 100, dim, 100));
    CHECK(failed.status().code() == Status::Code::kIOError);
    std::vector<PointId> ids = {PointId::Num(1)};
    CHECK((*c)->Delete(ids).status().code() == Status::Code::kIOError);
    // Reads: unchanged, complete.
    CHECK((*c)->Count() == 100);
    QueryOptions o;
    o.vector.assign(data.begin(), data.begin() + dim);
    o.limit = 5;
    o.with_payload = true;
    auto hits = (*c)->Query(o);
    REQUIRE(hits.ok());
    CHECK(hits->size() == 5);
    auto records = (*c)->Retrieve(ids, true, true);
    REQUIRE(records.ok());
    REQUIRE(records->size() == 1);
    CHECK(*(*records)[0].payload == "{\"i\":1}");
  }
  faults->disk_full = false;
  auto c = Collection::Open(dir, WithOptimizer(nullptr));
  REQUIRE(c.ok());
  CHECK((*c)->Count() == 100);
  auto all = Everything(**c);
  for (uint64_t id = 0; id < 100; ++id) {
    CHECK(std::get<0>(all[PointId::Num(id)]) == std::vector<float>(data.begin() + id * dim, data.begin() + (id + 1) * dim));
  }
  REQUIRE((*c)->Upsert(Points(data.data() + 100 * dim, 100, dim, 100)).ok());
  CHECK((*c)->Count() == 200);
}

TEST_CASE("A frozen segment whose points were all deleted leaves the indexed segments alone",
          "[core][recovery]") {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("c");
  const size_t dim = 16;
  auto data = testing::RandomVectors(3200, dim, 36);
  auto find_self = [&](const Collection& c, uint64_t id) {
    QueryOptions o;
    o.vector.assign(data.begin() + id * dim, data.begin() + (id + 1) * dim);
    o.limit = 1;
    auto hits = c.Query(o);
    REQUIRE(hits.ok());
    return !hits->empty() && (*hits)[0].id == PointId::Num(id);
  };
  {
    // No optimizer: the steps run here, one at a time.
    auto c = Collection::Create(dir, "c", SmallConfig(dim, Metric::kEuclid, 100), WithOptimizer(nullptr));
    REQUIRE(c.ok());
    REQUIRE((*c)->Upsert(Points(data.data(), 1600, dim, 0)).ok());  // fills and freezes segment A
    bool more = false;
    REQUIRE((*c)->OptimizeStep(&more).ok());
    REQUIRE((*c)->Info().indexed_vectors_count == 1600);
    REQUIRE((*c)->Upsert(Points(data.data() + 1600 * dim, 1600, dim, 1600)).ok());  // segment B
    std::vector<PointId> all_of_b;
    for (uint64_t id = 1600; id < 3200; ++id) all_of_b.push_back(PointId::Num(id));
    REQUIRE((*c)->Delete(all_of_b).ok());
    REQUIRE((*c)->OptimizeStep(&more).ok());  // B has nothing left to index
    CHECK((*c)->Info().indexed_vectors_count == 1600);
    CHECK((*c)->Count() == 1600);
    CHECK(find_self(**c, 5));
    CHECK(find_self(**c, 1234));
  }
  auto c = Collection::Open(dir, WithOptimizer(nullptr));
  REQUIRE(c.ok());
  CHECK((*c)->index_builds() == 0);
  CHECK((*c)->Info().indexed_vectors_count == 1600);
  CHECK((*c)->Count() == 1600);
  CHECK(find_self(**c, 5));
}

TEST_CASE("glove100: 100k points indexed, clean restart: ready without re-indexing, identical results",
          "[core][recovery][slow]") {
  const std::string root = testing::SharedDataDir() + "/glove100";
  const testing::Matrix base = testing::ReadFvecs(root + "/base.fvecs");
  const testing::Matrix queries = testing::ReadFvecs(root + "/query.fvecs", 200);
  REQUIRE(base.rows == 100000);
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("glove");
  CollectionConfig config;
  config.dim = base.dim;
  config.metric = Metric::kCosine;
  Results before;
  CollectionInfo info_before;
  {
    Optimizer optimizer;
    auto c = Collection::Create(dir, "glove", config, WithOptimizer(&optimizer));
    REQUIRE(c.ok());
    for (size_t b = 0; b < base.rows; b += 1000) {
      std::vector<PointInput> points;
      for (size_t i = b; i < b + 1000; ++i) {
        points.push_back({PointId::Num(i), std::vector<float>(base.row(i), base.row(i) + base.dim), ""});
      }
      REQUIRE((*c)->Upsert(std::move(points)).ok());
    }
    (*c)->TEST_WaitForIndexing();
    info_before = (*c)->Info();
    before = Search(**c, queries.data, base.dim);
  }
  INFO("indexed " << info_before.indexed_vectors_count << " of " << info_before.points_count);
  REQUIRE(info_before.points_count == 100000);
  REQUIRE(info_before.indexed_vectors_count >= 70000);  // the tail stays in the growing segment

  auto c = Collection::Open(dir, WithOptimizer(nullptr));
  REQUIRE(c.ok());
  CHECK((*c)->index_builds() == 0);
  CHECK((*c)->Info().status == CollectionInfo::Status::kGreen);
  CHECK((*c)->Info().indexed_vectors_count == info_before.indexed_vectors_count);
  CHECK((*c)->Count() == 100000);
  CHECK(Search(**c, queries.data, base.dim) == before);
}

}  // namespace sextant
