#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "core/database.h"
#include "index/flat_index.h"
#include "support/random_vectors.h"
#include "support/small_config.h"
#include "support/temp_dir.h"

namespace sextant {

namespace {

using testing::SmallConfig;

std::vector<PointInput> Points(const std::vector<float>& data, size_t dim, uint64_t first_id) {
  std::vector<PointInput> points;
  for (size_t i = 0; i < data.size() / dim; ++i) {
    points.push_back(PointInput{PointId::Num(first_id + i),
                                std::vector<float>(data.begin() + i * dim, data.begin() + (i + 1) * dim),
                                "{\"i\":" + std::to_string(first_id + i) + "}"});
  }
  return points;
}

// Recall@10 of 50 random queries against exact search over `data` (ids 0..n-1,
// Euclid), counted by distance.
double RecallAtTen(const Collection& c, const std::vector<float>& data, size_t dim, uint64_t seed) {
  const size_t n = data.size() / dim;
  FlatIndex oracle(dim, Metric::kEuclid);
  std::vector<Offset> offsets(n);
  for (size_t i = 0; i < n; ++i) offsets[i] = static_cast<Offset>(i);
  REQUIRE(oracle.Add(offsets, MatrixView(data.data(), n, dim)).ok());
  auto queries = testing::RandomVectors(50, dim, seed);
  size_t hits = 0;
  for (size_t q = 0; q < 50; ++q) {
    QueryOptions o;
    o.vector.assign(queries.begin() + q * dim, queries.begin() + (q + 1) * dim);
    o.limit = 10;
    auto got = c.Query(o);
    auto truth = oracle.Search(o.vector, SearchParams{.k = 10});
    REQUIRE(got.ok());
    REQUIRE(got->size() == 10);
    const float bound = std::sqrt(truth->back().distance) + 1e-4f;
    for (const auto& p : *got) hits += p.score <= bound;
  }
  return double(hits) / 500.0;
}

}  // namespace

TEST_CASE("A collection indexes segments in the background and searches all of them", "[core]") {
  testing::TempDir dir;
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path(), .build_threads = 2});
  REQUIRE(db.ok());
  const size_t dim = 16, n = 6000;
  // 16 dims = 64 bytes a vector: 100 KB seals every 1600 points.
  REQUIRE((*db)->CreateCollection("c", SmallConfig(dim, Metric::kEuclid, 100)).ok());
  auto c = *(*db)->GetCollection("c");
  auto data = testing::RandomVectors(n, dim, 21);
  for (size_t b = 0; b < n; b += 1000) {
    std::vector<float> part(data.begin() + b * dim, data.begin() + (b + 1000) * dim);
    REQUIRE(c->Upsert(Points(part, dim, b)).ok());
  }
  c->TEST_WaitForIndexing();
  const CollectionInfo info = c->Info();
  CHECK(info.points_count == n);
  CHECK(info.indexed_vectors_count > 0);
  CHECK(info.status == CollectionInfo::Status::kGreen);

  CHECK(RecallAtTen(*c, data, dim, 22) >= 0.95);
}

TEST_CASE("Overwrites do not grow the index without end: mostly-deleted segments are vacuumed", "[core]") {
  testing::TempDir dir;
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path(), .build_threads = 2});
  REQUIRE(db.ok());
  const size_t dim = 16, n = 4000, rounds = 6;
  // 100 KB seals every 1600 points; every round overwrites all n points.
  REQUIRE((*db)->CreateCollection("c", SmallConfig(dim, Metric::kEuclid, 100)).ok());
  auto c = *(*db)->GetCollection("c");
  std::vector<float> data;
  for (size_t round = 0; round < rounds; ++round) {
    data = testing::RandomVectors(n, dim, 100 + round);
    for (size_t b = 0; b < n; b += 1000) {
      std::vector<float> part(data.begin() + b * dim, data.begin() + (b + 1000) * dim);
      REQUIRE(c->Upsert(Points(part, dim, b)).ok());
    }
    c->TEST_WaitForIndexing();
  }
  // Without a vacuum the indexed segments would hold all rounds * n vectors.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (c->Info().indexed_vectors_count > 2 * n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const CollectionInfo info = c->Info();
  CHECK(info.points_count == n);
  CHECK(info.indexed_vectors_count <= 2 * n);

  // Searches see the last round's vectors only.
  CHECK(RecallAtTen(*c, data, dim, 23) >= 0.95);
}

TEST_CASE("Deletes alone, with no later writes, wake the vacuum", "[core]") {
  testing::TempDir dir;
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path(), .build_threads = 2});
  REQUIRE(db.ok());
  const size_t dim = 16, n = 4000;
  REQUIRE((*db)->CreateCollection("c", SmallConfig(dim, Metric::kEuclid, 100)).ok());
  auto c = *(*db)->GetCollection("c");
  const std::vector<float> data = testing::RandomVectors(n, dim, 7);
  REQUIRE(c->Upsert(Points(data, dim, 0)).ok());
  c->TEST_WaitForIndexing();
  const size_t indexed_before = c->Info().indexed_vectors_count;
  REQUIRE(indexed_before >= 3000);  // two sealed segments of 1600 points

  // Delete ids 0..2999 in batches; nothing else is written afterwards.
  for (uint64_t b = 0; b < 3000; b += 500) {
    std::vector<PointId> ids;
    for (uint64_t id = b; id < b + 500; ++id) ids.push_back(PointId::Num(id));
    REQUIRE(c->Delete(ids).ok());
  }
  // Vacuums run as the deletes come (a wake-up every 1000). The last wake-up
  // finds 1000 dead points to vacuum, or fewer because the vacuum before it
  // ran after at least 2000 deletes: at most 1200 points stay indexed.
  const size_t indexed_after = indexed_before - 2000;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (c->Info().indexed_vectors_count > indexed_after && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const CollectionInfo info = c->Info();
  CHECK(info.points_count == 1000);
  CHECK(info.indexed_vectors_count <= indexed_after);

  QueryOptions o;
  o.vector.assign(data.begin(), data.begin() + dim);  // point 0, deleted
  o.limit = 50;
  auto hits = c->Query(o);
  REQUIRE(hits.ok());
  REQUIRE(hits->size() == 50);
  for (const auto& h : *hits) CHECK(h.id.num() >= 3000);
}

TEST_CASE("Overwrites free the id table's dead chunks, while searches go on", "[core][concurrency]") {
  testing::TempDir dir;
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path(), .build_threads = 1});
  REQUIRE(db.ok());
  const size_t dim = 4, n = 10000, rounds = 20;
  REQUIRE((*db)->CreateCollection("c", SmallConfig(dim, Metric::kEuclid, 1000)).ok());
  auto c = *(*db)->GetCollection("c");
  constexpr size_t kChunk = ChunkedArray<int>::kChunkSize;

  // Searches run all along: they look up ids of offsets that may be retired
  // under them, which must read as "deleted", never as freed memory.
  std::atomic<bool> stop{false};
  std::atomic<size_t> searches{0}, failures{0};
  std::thread reader([&] {
    const auto queries = testing::RandomVectors(64, dim, 5);
    for (size_t q = 0; !stop.load(); ++q) {
      QueryOptions o;
      o.vector.assign(queries.begin() + (q % 64) * dim, queries.begin() + (q % 64 + 1) * dim);
      o.limit = 20;
      o.with_payload = q % 2 == 0;
      auto hits = c->Query(o);
      if (!hits.ok()) {
        ++failures;
        continue;
      }
      for (const auto& h : *hits) failures += h.id.num() >= n;
      ++searches;
    }
  });
  std::vector<float> data;
  for (size_t round = 0; round < rounds; ++round) {
    data = testing::RandomVectors(n, dim, 300 + round);
    for (size_t b = 0; b < n; b += 2000) {
      std::vector<float> part(data.begin() + b * dim, data.begin() + (b + 2000) * dim);
      REQUIRE(c->Upsert(Points(part, dim, b)).ok());
    }
  }
  stop = true;
  reader.join();
  CHECK(failures.load() == 0);
  CHECK(searches.load() > 0);

  // rounds * n offsets were taken; only the last n are live, in the last two
  // chunks. Without reclamation every chunk would still be allocated.
  const size_t taken = rounds * n;
  REQUIRE(taken > 3 * kChunk);
  CHECK(c->TEST_OffsetTableChunks() <= 2);
  CHECK(c->Count() == n);
  CHECK(RecallAtTen(*c, data, dim, 31) >= 0.95);

  // And so after a restart: recovery only allocates chunks with live offsets.
  c.reset();
  db->reset();
  db = Database::Open(DatabaseOptions{.data_dir = dir.path(), .build_threads = 1});
  REQUIRE(db.ok());
  c = *(*db)->GetCollection("c");
  CHECK(c->TEST_OffsetTableChunks() <= 2);
  CHECK(c->Count() == n);
  CHECK(RecallAtTen(*c, data, dim, 32) >= 0.95);
}

TEST_CASE("Updates and deletes are never returned in their old form", "[core]") {
  testing::TempDir dir;
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
  REQUIRE(db.ok());
  REQUIRE((*db)->CreateCollection("c", SmallConfig(2, Metric::kEuclid, 1)).ok());
  auto c = *(*db)->GetCollection("c");
  REQUIRE(c->Upsert({{PointId::Num(1), {0, 0}, "{\"v\":1}"}, {PointId::Num(2), {10, 10}, ""}}).ok());
  REQUIRE(c->Upsert({{PointId::Num(1), {20, 20}, "{\"v\":2}"}}).ok());
  c->TEST_WaitForIndexing();
  QueryOptions o;
  o.vector = {0, 0};
  o.limit = 5;
  o.with_payload = true;
  auto hits = c->Query(o);
  REQUIRE(hits.ok());
  REQUIRE(hits->size() == 2);
  CHECK((*hits)[0].id == PointId::Num(2));
  CHECK((*hits)[1].id == PointId::Num(1));
  CHECK(*(*hits)[1].payload == "{\"v\":2}");
  const PointId gone = PointId::Num(2);
  REQUIRE(c->Delete({&gone, 1}).ok());
  hits = c->Query(o);
  REQUIRE(hits->size() == 1);
  CHECK(c->Count() == 1);
}

TEST_CASE("Opening removes what interrupted deletes and snapshots left and never loads it", "[core]") {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  {
    auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
    REQUIRE(db.ok());
    REQUIRE((*db)->CreateCollection("keep", SmallConfig(4, Metric::kCosine, 10000)).ok());
    REQUIRE((*db)->CreateCollection("gone", SmallConfig(4, Metric::kCosine, 10000)).ok());
  }
  std::string gone_dir;
  for (const auto& entry : fs::directory_iterator(dir.Sub("collections"))) {
    if (entry.path().filename().string().rfind("gone@", 0) == 0) gone_dir = entry.path().string();
  }
  REQUIRE_FALSE(gone_dir.empty());
  // A delete marked but not carried out, and a removal cut short after its rename.
  std::ofstream(gone_dir + "/DELETED") << "";
  fs::create_directories(dir.Sub("collections") + "/half@7/store");  // a create cut short
  fs::create_directories(dir.Sub("collections") + "/old@1.removing/store");
  std::ofstream(dir.Sub("collections") + "/old@1.removing/store/CURRENT") << "MANIFEST-000001";
  // Snapshot files a crash cut short (they are written as .tmp, then renamed).
  fs::create_directories(dir.Sub("snapshots") + "/keep");
  std::ofstream(dir.Sub("snapshots") + "/keep/keep-2026-01-01-00-00-00.snapshot.tmp") << "partial";
  std::ofstream(dir.Sub("snapshots") + "/full-snapshot-2026-01-01-00-00-00.snapshot.tmp") << "partial";
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
  REQUIRE(db.ok());
  CHECK((*db)->ListCollections() == std::vector<std::string>{"keep"});
  CHECK_FALSE(fs::exists(dir.Sub("snapshots") + "/keep/keep-2026-01-01-00-00-00.snapshot.tmp"));
  CHECK_FALSE(fs::exists(dir.Sub("snapshots") + "/full-snapshot-2026-01-01-00-00-00.snapshot.tmp"));
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir.Sub("collections"))) {
    left.push_back(entry.path().filename().string());
  }
  REQUIRE(left.size() == 1);
  CHECK(left[0].rfind("keep@", 0) == 0);
}

TEST_CASE("A data directory is used by one process at a time", "[core]") {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
  REQUIRE(db.ok());
  REQUIRE((*db)->CreateCollection("c", SmallConfig(4, Metric::kCosine, 10000)).ok());
  std::ofstream(dir.Sub("tmp") + "/in-progress") << "an upload being received";
  // A second open (another server, the offline snapshot tool) is refused
  // before it cleans anything up. flock locks belong to the open file, so a
  // second open in the same process conflicts as another process's would.
  auto second = Database::Open(DatabaseOptions{.data_dir = dir.path()});
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Status::Code::kBusy);
  CHECK(second.status().message().find("in use by another sextant process") != std::string::npos);
  CHECK(fs::exists(dir.Sub("tmp") + "/in-progress"));
  db->reset();
  auto third = Database::Open(DatabaseOptions{.data_dir = dir.path()});
  REQUIRE(third.ok());
  CHECK((*third)->ListCollections() == std::vector<std::string>{"c"});
}

TEST_CASE("Collections and points survive a clean restart", "[core]") {
  testing::TempDir dir;
  const size_t dim = 4;
  auto data = testing::RandomVectors(300, dim, 23);
  {
    auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
    REQUIRE(db.ok());
    REQUIRE((*db)->CreateCollection("keep", SmallConfig(dim, Metric::kCosine, 10000)).ok());
    REQUIRE((*db)->CreateCollection("drop", SmallConfig(dim, Metric::kDot, 10000)).ok());
    REQUIRE((*(*db)->GetCollection("keep"))->Upsert(Points(data, dim, 0)).ok());
    CollectionConfig async = SmallConfig(dim, Metric::kEuclid, 10000);
    async.write_policy = WritePolicy::kAsync;
    REQUIRE((*db)->CreateCollection("async", async).ok());
    REQUIRE((*(*db)->GetCollection("async"))->Upsert(Points(data, dim, 0)).ok());
    REQUIRE(*(*db)->DeleteCollection("drop"));
    // Its files are gone at once (nobody else holds it).
    for (const auto& entry : std::filesystem::directory_iterator(dir.Sub("collections"))) {
      CHECK(entry.path().filename().string().rfind("drop@", 0) != 0);
    }
  }
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
  REQUIRE(db.ok());
  CHECK((*db)->ListCollections() == std::vector<std::string>{"async", "keep"});
  auto async = *(*db)->GetCollection("async");
  CHECK(async->config().write_policy == WritePolicy::kAsync);
  CHECK(async->Count() == 300);
  auto c = *(*db)->GetCollection("keep");
  CHECK(c->Count() == 300);
  CHECK(c->config().metric == Metric::kCosine);
  const PointId id = PointId::Num(17);
  auto records = c->Retrieve({&id, 1}, true, true);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK(*(*records)[0].payload == "{\"i\":17}");
  // Cosine vectors are stored normalised.
  double norm = 0;
  for (float x : *(*records)[0].vector) norm += x * x;
  CHECK(norm == Approx(1.0).epsilon(1e-5));
  // A deleted collection's name can be reused and starts empty.
  REQUIRE((*db)->CreateCollection("drop", SmallConfig(dim, Metric::kDot, 10000)).ok());
  CHECK((*(*db)->GetCollection("drop"))->Count() == 0);
}

TEST_CASE("Bad input changes nothing", "[core]") {
  testing::TempDir dir;
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
  REQUIRE(db.ok());
  CHECK((*db)->CreateCollection("a/b", SmallConfig(3, Metric::kDot, 10)).code() == Status::Code::kInvalidArgument);
  CHECK((*db)->CreateCollection("x", SmallConfig(0, Metric::kDot, 10)).code() == Status::Code::kInvalidArgument);
  REQUIRE((*db)->CreateCollection("c", SmallConfig(3, Metric::kDot, 10)).ok());
  CHECK((*db)->CreateCollection("c", SmallConfig(3, Metric::kDot, 10)).code() == Status::Code::kAlreadyExists);
  auto c = *(*db)->GetCollection("c");
  REQUIRE(c->Upsert({{PointId::Num(1), {1, 2, 3}, ""}}).ok());
  CHECK(c->Upsert({{PointId::Num(2), {1, 2}, ""}}).status().code() == Status::Code::kInvalidArgument);
  CHECK(c->Upsert({{PointId::Num(2), {1, NAN, 3}, ""}}).status().code() == Status::Code::kInvalidArgument);
  CHECK(c->Upsert({{PointId::Num(3), {1, 2, 3}, ""}, {PointId::Num(4), {INFINITY, 2, 3}, ""}}).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(c->Upsert({}).status().code() == Status::Code::kInvalidArgument);
  CHECK(c->Count() == 1);  // the valid point of the rejected batch was not stored either
  QueryOptions o;
  o.vector = {1, 2};
  CHECK(c->Query(o).status().code() == Status::Code::kInvalidArgument);
  CHECK((*db)->GetCollection("nope").status().code() == Status::Code::kNotFound);
}

TEST_CASE("Searches run while writers upsert and the optimizer seals segments", "[core][concurrency]") {
  testing::TempDir dir;
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path(), .build_threads = 2});
  REQUIRE(db.ok());
  const size_t dim = 8;
  REQUIRE((*db)->CreateCollection("c", SmallConfig(dim, Metric::kEuclid, 8)).ok());  // 256 points
  auto c = *(*db)->GetCollection("c");
  auto data = testing::RandomVectors(3000, dim, 24);
  std::atomic<bool> done{false};
  // Catch2 assertions are not thread-safe: threads count failures, the test
  // thread checks them.
  std::atomic<int> write_failures{0}, read_failures{0}, duplicate_ids{0};
  std::thread writer([&] {
    for (size_t b = 0; b < 3000; b += 100) {
      std::vector<float> part(data.begin() + b * dim, data.begin() + (b + 100) * dim);
      if (!c->Upsert(Points(part, dim, b % 1500)).ok()) ++write_failures;  // second half updates the first
      if (b % 500 == 0) {
        const PointId id = PointId::Num(b / 2);
        if (!c->Delete({&id, 1}).ok()) ++write_failures;
      }
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      size_t rounds = 0;
      while (!done || rounds < 20) {
        QueryOptions o;
        o.vector.assign(data.begin() + r * dim, data.begin() + (r + 1) * dim);
        o.limit = 10;
        o.with_payload = rounds % 2 == 0;
        auto hits = c->Query(o);
        if (!hits.ok()) {
          ++read_failures;
          break;
        }
        std::set<PointId> ids;
        for (const auto& p : *hits) ids.insert(p.id);
        if (ids.size() != hits->size()) ++duplicate_ids;  // no id twice, even mid-update
        if (!c->Scroll(std::nullopt, 50, false, false).ok()) ++read_failures;
        ++rounds;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  CHECK(write_failures == 0);
  CHECK(read_failures == 0);
  CHECK(duplicate_ids == 0);
  c->TEST_WaitForIndexing();
  CHECK(c->Count() <= 1500);
  CHECK(c->Count() >= 1490);
}

TEST_CASE("Concurrent writers: the highest sequence number wins, in memory and after reopening",
          "[core][concurrency]") {
  testing::TempDir dir;
  const size_t dim = 4, kThreads = 4, kWrites = 60, kIds = 40;
  struct Done {
    SeqNo seq;
    uint64_t id;
    float tag;
    bool deleted;
  };
  std::vector<std::vector<Done>> done(kThreads);
  std::atomic<int> failures{0};
  {
    auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
    REQUIRE(db.ok());
    // 4 dims = 16 bytes: 1 KB seals every 64 points, so segments rotate mid-run.
    REQUIRE((*db)->CreateCollection("c", SmallConfig(dim, Metric::kEuclid, 1)).ok());
    auto c = *(*db)->GetCollection("c");
    std::vector<std::thread> threads;
    for (size_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = 0; i < kWrites; ++i) {
          const uint64_t id = (t * 7 + i * 3) % kIds;  // threads overwrite each other's ids
          const float tag = float(t * 1000 + i);
          if (i % 9 == 8) {
            const PointId pid = PointId::Num(id);
            auto seq = c->Delete({&pid, 1});
            if (!seq.ok()) ++failures;
            else done[t].push_back({*seq, id, tag, true});
          } else {
            auto seq = c->Upsert({{PointId::Num(id), {tag, 1, 2, 3}, "{\"tag\":" + std::to_string(int(tag)) + "}"}});
            if (!seq.ok()) ++failures;
            else done[t].push_back({*seq, id, tag, false});
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  REQUIRE(failures == 0);
  // The expected final state: for each id, the write with the highest sequence number.
  std::map<uint64_t, Done> last;
  std::set<SeqNo> seqs;
  for (const auto& per_thread : done) {
    for (const Done& d : per_thread) {
      seqs.insert(d.seq);
      auto it = last.find(d.id);
      if (it == last.end() || it->second.seq < d.seq) last[d.id] = d;
    }
  }
  CHECK(seqs.size() == kThreads * kWrites);  // every write got its own number
  auto db = Database::Open(DatabaseOptions{.data_dir = dir.path()});
  REQUIRE(db.ok());
  auto c = *(*db)->GetCollection("c");
  size_t live = 0;
  for (const auto& [id, d] : last) {
    const PointId pid = PointId::Num(id);
    auto records = c->Retrieve({&pid, 1}, true, true);
    REQUIRE(records.ok());
    if (d.deleted) {
      CHECK(records->empty());
      continue;
    }
    ++live;
    REQUIRE(records->size() == 1);
    CHECK((*(*records)[0].vector)[0] == d.tag);
    CHECK(*(*records)[0].payload == "{\"tag\":" + std::to_string(int(d.tag)) + "}");
    // Search agrees with retrieval: the point is found by its exact vector.
    QueryOptions o;
    o.vector = {d.tag, 1, 2, 3};
    o.limit = 1;
    o.exact = true;
    auto hits = c->Query(o);
    REQUIRE(hits.ok());
    REQUIRE(hits->size() == 1);
    CHECK((*hits)[0].id == pid);
  }
  CHECK(c->Count() == live);
}

}  // namespace sextant
