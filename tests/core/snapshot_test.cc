// Collection and full-storage snapshots through Database: consistency under
// concurrent writes, exact restore, rejection of damaged files with the
// collection untouched, restore across restarts, names.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "core/database.h"
#include "storage/snapshot_archive.h"
#include "support/random_vectors.h"
#include "support/small_config.h"
#include "support/temp_dir.h"

namespace sextant {

namespace {

namespace fs = std::filesystem;
using testing::SmallConfig;

constexpr size_t kDim = 16;

std::vector<PointInput> Points(uint64_t first_id, size_t n, uint64_t seed) {
  auto data = testing::RandomVectors(n, kDim, seed);
  std::vector<PointInput> points;
  for (size_t i = 0; i < n; ++i) {
    points.push_back(PointInput{PointId::Num(first_id + i),
                                std::vector<float>(data.begin() + i * kDim, data.begin() + (i + 1) * kDim),
                                "{\"i\":" + std::to_string(first_id + i) + "}"});
  }
  return points;
}

struct StoredRecord {
  std::vector<float> vector;
  std::string payload;
  bool operator==(const StoredRecord&) const = default;
};

std::map<PointId, StoredRecord> AllPoints(const Collection& c) {
  std::map<PointId, StoredRecord> out;
  std::optional<PointId> from;
  do {
    auto page = c.Scroll(from, 1000, true, true);
    REQUIRE(page.ok());
    for (auto& r : page->points) out[r.id] = StoredRecord{*r.vector, r.payload.value_or("")};
    from = page->next_page_offset;
  } while (from);
  return out;
}

std::vector<std::vector<ScoredPoint>> Searches(const Collection& c) {
  std::vector<std::vector<ScoredPoint>> out;
  auto queries = testing::RandomVectors(20, kDim, 99);
  for (size_t q = 0; q < 20; ++q) {
    QueryOptions o;
    o.vector.assign(queries.begin() + q * kDim, queries.begin() + (q + 1) * kDim);
    o.limit = 10;
    auto hits = c.Query(o);
    REQUIRE(hits.ok());
    out.push_back(*hits);
  }
  return out;
}

void RequireSameSearches(const Collection& a, const Collection& b) {
  auto sa = Searches(a), sb = Searches(b);
  REQUIRE(sa.size() == sb.size());
  for (size_t q = 0; q < sa.size(); ++q) {
    REQUIRE(sa[q].size() == sb[q].size());
    for (size_t i = 0; i < sa[q].size(); ++i) {
      CHECK(sa[q][i].id == sb[q][i].id);
      CHECK(sa[q][i].score == sb[q][i].score);
    }
  }
}

std::unique_ptr<Database> OpenDb(const std::string& dir) {
  auto db = Database::Open(DatabaseOptions{.data_dir = dir, .build_threads = 1});
  REQUIRE(db.ok());
  return std::move(*db);
}

// A collection with indexed segments (the 50 KB threshold seals every 800
// points) and a growing one.
std::shared_ptr<Collection> Filled(Database& db, const std::string& name, size_t n) {
  REQUIRE(db.CreateCollection(name, SmallConfig(kDim, Metric::kCosine, 50)).ok());
  auto c = *db.GetCollection(name);
  for (size_t b = 0; b < n; b += 500) REQUIRE(c->Upsert(Points(b, 500, b + 1)).ok());
  REQUIRE(c->Delete(std::vector<PointId>{PointId::Num(3), PointId::Num(700)}).ok());
  c->TEST_WaitForIndexing();
  return c;
}

std::string SnapshotFile(Database& db, const std::string& collection, const SnapshotDescription& d) {
  return *db.SnapshotPath(collection, d.name);
}

}  // namespace

TEST_CASE("A snapshot restored under a new name has every point and answers the same searches",
          "[core][snapshot]") {
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  auto source = Filled(*db, "src", 3000);
  REQUIRE(source->Info().indexed_vectors_count > 0);

  auto snapshot = db->CreateSnapshot("src");
  REQUIRE(snapshot.ok());
  CHECK(snapshot->size > 0);
  CHECK(snapshot->checksum.size() == 64);
  CHECK(snapshot->name.rfind("src-", 0) == 0);

  auto listed = db->ListSnapshots("src");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].name == snapshot->name);
  CHECK((*listed)[0].checksum == snapshot->checksum);
  CHECK((*listed)[0].size == snapshot->size);

  REQUIRE(db->RecoverSnapshot("copy", SnapshotFile(*db, "src", *snapshot), snapshot->checksum).ok());
  auto copy = *db->GetCollection("copy");
  CHECK(copy->name() == "copy");
  CHECK(copy->Count() == source->Count());
  CHECK(AllPoints(*copy) == AllPoints(*source));
  // Nothing was indexed again: the segment files came with the snapshot.
  CHECK(copy->index_builds() == 0);
  CHECK(copy->Info().indexed_vectors_count == source->Info().indexed_vectors_count);
  RequireSameSearches(*copy, *source);

  // The copy is a collection of its own.
  REQUIRE(copy->Upsert(Points(100000, 1, 5)).ok());
  CHECK(copy->Count() == source->Count() + 1);

  SECTION("and after a restart") {
    const auto expected = AllPoints(*copy);
    copy.reset();
    source.reset();
    db.reset();
    db = OpenDb(dir.path());
    auto reopened = *db->GetCollection("copy");
    CHECK(AllPoints(*reopened) == expected);
    CHECK(reopened->index_builds() == 0);
    RequireSameSearches(*reopened, **db->GetCollection("copy"));
  }
  SECTION("deleting it removes the file") {
    REQUIRE(db->DeleteSnapshot("src", snapshot->name).ok());
    CHECK(db->ListSnapshots("src")->empty());
    CHECK(db->SnapshotPath("src", snapshot->name).status().code() == Status::Code::kNotFound);
    CHECK(db->DeleteSnapshot("src", snapshot->name).code() == Status::Code::kNotFound);
  }
}

// Not in the ThreadSanitizer run ([concurrency]): about one run in five, TSan
// reports a potential lock-order inversion with no stack, inside RocksDB's
// checkpoint (uninstrumented); being looked into.
TEST_CASE("A snapshot taken while writers run holds every write acknowledged before it", "[core][snapshot]") {
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  auto source = Filled(*db, "live", 2000);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked_end{2000};  // ids below this are acknowledged
  std::atomic<bool> writer_failed{false};
  // Writers add new ids only, so every point a snapshot holds must equal the
  // source's point of that id.
  std::thread writer([&] {
    uint64_t next = 2000;
    while (!stop && next < 20000) {  // bounded: indexing keeps up on a slow machine
      // (Catch2's assertions are not thread-safe: report after the join.)
      if (!source->Upsert(Points(next, 50, next)).ok()) {
        writer_failed = true;
        return;
      }
      next += 50;
      acked_end = next;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::vector<std::pair<SnapshotDescription, uint64_t>> taken;
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const uint64_t acked = acked_end.load();
    auto s = db->CreateSnapshot("live");
    REQUIRE(s.ok());
    taken.emplace_back(*s, acked);
  }
  stop = true;
  writer.join();
  REQUIRE_FALSE(writer_failed);
  // Names are unique even within one second.
  CHECK(taken[0].first.name != taken[1].first.name);
  CHECK(taken[1].first.name != taken[2].first.name);

  const auto all = AllPoints(*source);
  for (size_t i = 0; i < taken.size(); ++i) {
    const std::string name = "restored" + std::to_string(i);
    REQUIRE(db->RecoverSnapshot(name, SnapshotFile(*db, "live", taken[i].first), std::nullopt).ok());
    auto restored = *db->GetCollection(name);
    const auto points = AllPoints(*restored);
    for (const auto& [id, record] : points) {
      auto it = all.find(id);
      REQUIRE(it != all.end());
      CHECK(it->second == record);
    }
    // Every acknowledged write is in (ids 3 and 700 were deleted).
    for (uint64_t id = 0; id < taken[i].second; ++id) {
      if (id == 3 || id == 700) continue;
      if (!points.count(PointId::Num(id))) FAIL("snapshot " << i << " lacks acknowledged point " << id);
    }
    CHECK(restored->Info().points_count == points.size());
  }
  // Quiet now: a snapshot equals its collection exactly.
  auto quiet = db->CreateSnapshot("live");
  REQUIRE(quiet.ok());
  REQUIRE(db->RecoverSnapshot("quiet", SnapshotFile(*db, "live", *quiet), quiet->checksum).ok());
  auto restored = *db->GetCollection("quiet");
  CHECK(AllPoints(*restored) == all);
  restored->TEST_WaitForIndexing();
  source->TEST_WaitForIndexing();
  CHECK(restored->Count() == source->Count());
}

TEST_CASE("Damaged, truncated, empty or foreign snapshots are refused and the collection stays as it was",
          "[core][snapshot]") {
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  auto source = Filled(*db, "src", 2000);
  auto snapshot = db->CreateSnapshot("src");
  REQUIRE(snapshot.ok());
  const std::string good = SnapshotFile(*db, "src", *snapshot);
  // The target: an existing collection with other points, which a bad restore
  // must not touch.
  auto target = Filled(*db, "target", 1000);
  REQUIRE(target->Upsert(Points(50000, 10, 77)).ok());
  const auto before = AllPoints(*target);

  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 4096);
  auto write = [&](const std::string& name, const std::string& content) {
    const std::string path = dir.Sub(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  };

  std::vector<std::pair<std::string, std::string>> bad;  // what, path
  for (size_t at : {size_t{100}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 2000}) {
    std::string flipped = bytes;
    flipped[at] ^= 0x01;
    bad.emplace_back("a flipped byte at " + std::to_string(at), write("flip" + std::to_string(at), flipped));
  }
  bad.emplace_back("a truncated file", write("truncated", bytes.substr(0, bytes.size() / 2)));
  bad.emplace_back("an empty file", write("empty", ""));
  bad.emplace_back("a text file", write("text", "hello, I am not a snapshot\n"));
  for (const auto& [what, path] : bad) {
    INFO(what);
    Status s = db->RecoverSnapshot("target", path, std::nullopt);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find("Bad snapshot") != std::string::npos);
  }
  // A well-formed archive with a member a collection snapshot never holds
  // (a DELETED marker would make the next open drop the restored copy).
  {
    const std::string extra = dir.Sub("extra");
    fs::create_directories(extra + "/store");
    std::ofstream(extra + "/store/CURRENT") << "x";
    std::ofstream(extra + "/DELETED") << "x";
    auto crafted = WriteSnapshotArchive(dir.Sub("crafted.snapshot"),
                                        {{"store/CURRENT", extra + "/store/CURRENT"}, {"DELETED", extra + "/DELETED"}},
                                        {{"kind", "collection"}});
    REQUIRE(crafted.ok());
    Status s = db->RecoverSnapshot("target", dir.Sub("crafted.snapshot"), std::nullopt);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find("unexpected member DELETED") != std::string::npos);
  }
  // A well-formed archive whose store lists a file it does not hold.
  {
    const std::string lacking = dir.Sub("lacking");
    fs::create_directories(lacking + "/store");
    std::ofstream(lacking + "/store/CURRENT") << "MANIFEST-000099\n";
    auto crafted = WriteSnapshotArchive(dir.Sub("lacking.snapshot"), {{"store/CURRENT", lacking + "/store/CURRENT"}},
                                        {{"kind", "collection"}});
    REQUIRE(crafted.ok());
    Status s = db->RecoverSnapshot("target", dir.Sub("lacking.snapshot"), std::nullopt);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find("Bad snapshot") != std::string::npos);
  }
  // A wrong checksum refuses even a good file.
  Status wrong = db->RecoverSnapshot("target", good, std::string(64, '0'));
  CHECK(wrong.code() == Status::Code::kInvalidArgument);
  CHECK(wrong.message().find("checksum") != std::string::npos);
  // A full-storage snapshot is not a collection snapshot.
  auto full = db->CreateFullSnapshot();
  REQUIRE(full.ok());
  CHECK(db->RecoverSnapshot("target", *db->FullSnapshotPath(full->name), std::nullopt).code() ==
        Status::Code::kInvalidArgument);

  auto still = *db->GetCollection("target");
  CHECK(still.get() == target.get());
  CHECK(AllPoints(*still) == before);
  CHECK(!db->GetCollection("never").ok());
  // Nothing was left behind in the collections directory.
  size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(dir.path() + "/collections")) dirs += e.is_directory();
  CHECK(dirs == 2);

  // A good restore replaces the target; the replaced directory goes.
  REQUIRE(db->RecoverSnapshot("target", good, snapshot->checksum).ok());
  auto replaced = *db->GetCollection("target");
  CHECK(AllPoints(*replaced) == AllPoints(*source));
  still.reset();
  target.reset();
  replaced.reset();
  source.reset();
  db.reset();
  dirs = 0;
  for (const auto& e : fs::directory_iterator(dir.path() + "/collections")) dirs += e.is_directory();
  CHECK(dirs == 2);
}

TEST_CASE("Opening after a crash in the middle of a restore keeps one collection per name", "[core][snapshot]") {
  testing::TempDir dir;
  std::string snapshot_path;
  std::map<PointId, StoredRecord> old_points, new_points;
  {
    auto db = OpenDb(dir.path());
    auto a = Filled(*db, "a", 1000);
    old_points = AllPoints(*a);
    auto b = Filled(*db, "b", 1500);
    new_points = AllPoints(*b);
    auto s = db->CreateSnapshot("b");
    REQUIRE(s.ok());
    snapshot_path = SnapshotFile(*db, "b", *s);
  }
  // An unfinished restore (marker still there) is removed.
  fs::copy(fs::directory_iterator(dir.path() + "/collections")->path(), dir.path() + "/collections/a@99",
           fs::copy_options::recursive);
  std::ofstream(dir.path() + "/collections/a@99/" + kRestoringMarker) << "restore\n";
  {
    auto db = OpenDb(dir.path());
    CHECK(!fs::exists(dir.path() + "/collections/a@99"));
    CHECK(db->ListCollections().size() == 2);
    // A committed restore whose replaced collection was not marked: the newer wins.
    REQUIRE(db->RecoverSnapshot("a", snapshot_path, std::nullopt).ok());
  }
  {
    auto db = OpenDb(dir.path());
    CHECK(AllPoints(**db->GetCollection("a")) == new_points);
  }
}

TEST_CASE("A full-storage snapshot restores every collection into another data directory", "[core][snapshot]") {
  testing::TempDir dir, other;
  std::map<std::string, std::map<PointId, StoredRecord>> expected;
  std::string full_path;
  {
    auto db = OpenDb(dir.path());
    expected["one"] = AllPoints(*Filled(*db, "one", 1000));
    expected["two words"] = AllPoints(*Filled(*db, "two words", 600));
    auto full = db->CreateFullSnapshot();
    REQUIRE(full.ok());
    CHECK(full->name.rfind("full-snapshot-", 0) == 0);
    auto listed = db->ListFullSnapshots();
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    full_path = *db->FullSnapshotPath(full->name);
  }
  auto db = OpenDb(other.path());
  REQUIRE(db->RecoverFullSnapshot(full_path).ok());
  CHECK(db->ListCollections().size() == 2);
  for (const auto& [name, points] : expected) CHECK(AllPoints(**db->GetCollection(name)) == points);
}

TEST_CASE("Snapshot names and recover locations cannot leave the snapshots directory", "[core][snapshot]") {
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  Filled(*db, "c", 500);
  auto s = db->CreateSnapshot("c");
  REQUIRE(s.ok());
  for (const std::string name : {"../c.snapshot", "..", ".hidden.snapshot", "a/b.snapshot", "c", ""}) {
    INFO(name);
    CHECK(db->SnapshotPath("c", name).status().code() == Status::Code::kInvalidArgument);
    CHECK(db->DeleteSnapshot("c", name).code() == Status::Code::kInvalidArgument);
  }
  CHECK(db->SnapshotPath("c", "nope.snapshot").status().code() == Status::Code::kNotFound);
  CHECK(db->ListSnapshots("missing").status().code() == Status::Code::kNotFound);
  CHECK(db->CreateSnapshot("missing").status().code() == Status::Code::kNotFound);

  const std::string inside = *db->SnapshotPath("c", s->name);
  CHECK(db->LocalSnapshotFile(inside).ok());
  CHECK(db->LocalSnapshotFile(dir.path() + "/snapshots/c/../c/" + s->name).ok());
  std::ofstream(dir.Sub("outside.snapshot")) << "x";
  CHECK(db->LocalSnapshotFile(dir.Sub("outside.snapshot")).status().code() == Status::Code::kInvalidArgument);
  CHECK(db->LocalSnapshotFile(dir.path() + "/snapshots/../outside.snapshot").status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(db->LocalSnapshotFile(dir.path() + "/snapshots/c/none.snapshot").status().code() ==
        Status::Code::kNotFound);
  // A link inside pointing outside counts as outside.
  fs::create_symlink(dir.Sub("outside.snapshot"), dir.path() + "/snapshots/c/link.snapshot");
  CHECK(db->LocalSnapshotFile(dir.path() + "/snapshots/c/link.snapshot").status().code() ==
        Status::Code::kInvalidArgument);
}

}  // namespace sextant
