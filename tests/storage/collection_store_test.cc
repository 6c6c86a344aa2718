#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "storage/coding.h"
#include "storage/collection_store.h"
#include "support/temp_dir.h"

namespace sextant {
namespace {
StoreOptions NoCreate() {
  StoreOptions options;
  options.create_if_missing = false;
  return options;
}
}  // namespace


namespace {

// Append + Sync, as a collection does for one write.
Status Commit(CollectionStore& store, const WriteOp& op) {
  ASSIGN_OR_RETURN(WriteTicket ticket, store.Append(op));
  return store.Sync(ticket);
}

}  // namespace

TEST_CASE("CollectionStore keeps points, offsets, op log and metadata across a reopen", "[storage]") {
  testing::TempDir dir;
  const std::vector<float> v1 = {1, 2, 3}, v2 = {4, 5, 6};
  const PointId uuid = *PointId::ParseUuid("00000000-0000-0000-0000-00000000000a");
  {
    auto store = CollectionStore::Open(dir.path(), StoreOptions{});
    REQUIRE(store.ok());
    REQUIRE((*store)->PutMeta("config", "dim=3").ok());
    std::vector<PointWrite> writes = {{PointId::Num(9), 0, v1, R"({"a":1})"}, {uuid, 1, v2, ""}};
    REQUIRE(Commit(**store, WriteOp{.seq = 1, .next_offset = 2, .upserts = writes}).ok());
    std::vector<PointId> deletes = {PointId::Num(9)};
    REQUIRE(Commit(**store, WriteOp{.seq = 2, .next_offset = 2, .deletes = deletes}).ok());
    std::vector<PointWrite> again = {{PointId::Num(2), 2, v1, "{}"}};
    REQUIRE(Commit(**store, WriteOp{.seq = 3, .next_offset = 3, .upserts = again}).ok());
  }
  auto store = CollectionStore::Open(dir.path(), NoCreate());
  REQUIRE(store.ok());
  auto meta = (*store)->GetMeta("config");
  REQUIRE(meta.ok());
  CHECK(**meta == "dim=3");
  auto gone = (*store)->Get(PointId::Num(9));
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  auto p = (*store)->Get(uuid);
  REQUIRE(p.ok());
  REQUIRE(p->has_value());
  CHECK((*p)->vector == v2);
  CHECK((*p)->offset == 1);
  CHECK((*p)->payload.empty());

  std::vector<PointId> order;
  REQUIRE((*store)->ForEachPoint([&](StoredPoint&& sp) {
    order.push_back(sp.id);
    return Status::OK();
  }).ok());
  REQUIRE(order.size() == 2);
  CHECK(order[0] == PointId::Num(2));  // integers first, then UUIDs
  CHECK(order[1] == uuid);

  // The op log holds every write, in order: which points, at which offsets
  // (their data is in the point records).
  std::vector<OpRecord> ops;
  REQUIRE((*store)->ForEachOp(0, [&](OpRecord&& op) {
    ops.push_back(std::move(op));
    return Status::OK();
  }).ok());
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].seq == 1);
  CHECK(ops[0].type == OpType::kUpsert);
  REQUIRE(ops[0].upserts.size() == 2);
  CHECK(ops[0].upserts[0].id == PointId::Num(9));
  CHECK(ops[0].upserts[0].offset == 0);
  CHECK(ops[0].upserts[1].id == uuid);
  CHECK(ops[1].type == OpType::kDelete);
  CHECK(ops[1].deletes == std::vector<PointId>{PointId::Num(9)});
  CHECK(ops[2].upserts[0].offset == 2);
  std::vector<SeqNo> after_two;
  REQUIRE((*store)->ForEachOp(2, [&](OpRecord&& op) {
    after_two.push_back(op.seq);
    return Status::OK();
  }).ok());
  CHECK(after_two == std::vector<SeqNo>{3});
}

TEST_CASE("GetMany answers each id in the order given, missing ones empty", "[storage]") {
  testing::TempDir dir;
  auto store = CollectionStore::Open(dir.path(), StoreOptions{});
  REQUIRE(store.ok());
  const std::vector<float> a = {1, 2}, b = {3, 4};
  const PointId uuid = *PointId::ParseUuid("00000000-0000-0000-0000-00000000000b");
  std::vector<PointWrite> writes = {{PointId::Num(1), 0, a, R"({"k":1})"}, {uuid, 1, b, ""}};
  REQUIRE(Commit(**store, WriteOp{.seq = 1, .next_offset = 2, .upserts = writes}).ok());
  // Appended but not synced: not visible, as with Get.
  std::vector<PointWrite> unsynced = {{PointId::Num(3), 2, a, ""}};
  REQUIRE((*store)->Append(WriteOp{.seq = 2, .next_offset = 3, .upserts = unsynced}).ok());
  const std::vector<PointId> ids = {uuid, PointId::Num(7), PointId::Num(1), PointId::Num(3), uuid};
  auto got = (*store)->GetMany(ids);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 5);
  REQUIRE((*got)[0].has_value());
  CHECK((*got)[0]->id == uuid);
  CHECK((*got)[0]->vector == b);
  CHECK((*got)[0]->offset == 1);
  CHECK_FALSE((*got)[1].has_value());
  REQUIRE((*got)[2].has_value());
  CHECK((*got)[2]->vector == a);
  CHECK((*got)[2]->payload == R"({"k":1})");
  CHECK_FALSE((*got)[3].has_value());
  REQUIRE((*got)[4].has_value());
  CHECK((*got)[4]->vector == b);
  auto none = (*store)->GetMany({});
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("CollectionStore refuses to open a missing store without create", "[storage]") {
  testing::TempDir dir;
  auto store = CollectionStore::Open(dir.Sub("nope"), NoCreate());
  CHECK_FALSE(store.ok());
}

TEST_CASE("A write is invisible to readers until it is synced", "[storage]") {
  testing::TempDir dir;
  auto store = CollectionStore::Open(dir.path(), StoreOptions{});
  REQUIRE(store.ok());
  const std::vector<float> v = {1, 2};
  std::vector<PointWrite> w = {{PointId::Num(1), 0, v, ""}};
  auto ticket = (*store)->Append(WriteOp{.seq = 1, .next_offset = 1, .upserts = w});
  REQUIRE(ticket.ok());
  auto before = (*store)->Get(PointId::Num(1));
  REQUIRE(before.ok());
  CHECK_FALSE(before->has_value());
  REQUIRE((*store)->Sync(*ticket).ok());
  auto after = (*store)->Get(PointId::Num(1));
  REQUIRE(after.ok());
  CHECK(after->has_value());
}

TEST_CASE("A write that both upserts and deletes is refused and stores nothing", "[storage]") {
  testing::TempDir dir;
  auto store = CollectionStore::Open(dir.path(), StoreOptions{});
  REQUIRE(store.ok());
  const std::vector<float> v = {1, 2};
  std::vector<PointWrite> w = {{PointId::Num(1), 0, v, ""}};
  std::vector<PointId> d = {PointId::Num(2)};
  auto refused = (*store)->Append(WriteOp{.seq = 1, .next_offset = 1, .upserts = w, .deletes = d});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Status::Code::kInvalidArgument);
  size_t ops = 0;
  REQUIRE((*store)->ForEachOp(0, [&](OpRecord&&) {
    ++ops;
    return Status::OK();
  }).ok());
  CHECK(ops == 0);
}

TEST_CASE("Concurrent writers share syncs and every write lands", "[storage][concurrency]") {
  testing::TempDir dir;
  auto opened = CollectionStore::Open(dir.path(), StoreOptions{});
  REQUIRE(opened.ok());
  CollectionStore& store = **opened;
  constexpr int kThreads = 8, kWrites = 50;
  std::mutex append_mu;  // what the collection's write mutex does
  SeqNo seq = 0;
  Offset next = 0;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::vector<float> v = {float(t), 1.0f};
      for (int i = 0; i < kWrites; ++i) {
        WriteTicket ticket = 0;
        {
          std::lock_guard<std::mutex> lock(append_mu);
          std::vector<PointWrite> w = {{PointId::Num(uint64_t(t) * 1000 + i), next, v, ""}};
          auto r = store.Append(WriteOp{.seq = ++seq, .next_offset = ++next, .upserts = w});
          if (!r.ok()) {
            ++failures;
            continue;
          }
          ticket = *r;
        }
        if (!store.Sync(ticket).ok()) ++failures;
        // Once synced, the writer's own point is visible.
        auto got = store.Get(PointId::Num(uint64_t(t) * 1000 + i));
        if (!got.ok() || !got->has_value()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  size_t ops = 0;
  SeqNo last = 0;
  bool ordered = true;
  REQUIRE(store.ForEachOp(0, [&](OpRecord&& op) {
    ordered &= op.seq == last + 1;
    last = op.seq;
    ++ops;
    return Status::OK();
  }).ok());
  CHECK(ops == size_t{kThreads * kWrites});
  CHECK(ordered);
}

TEST_CASE("Op-log records round-trip and refuse what they do not know", "[storage]") {
  const std::vector<float> v = {0.5f, -1.0f, 3.25f};
  const PointId uuid = *PointId::ParseUuid("123e4567-e89b-12d3-a456-426614174000");
  std::vector<PointWrite> w = {{PointId::Num(UINT64_MAX), 7, v, R"({"k":"v"})"}, {uuid, 8, v, ""}};
  const std::string upsert = EncodeUpsertOp(w);
  CHECK(upsert.size() == 6 + (9 + 4) + (17 + 4));  // ids and offsets only: no vector or payload copies
  auto op = DecodeOp(5, upsert);
  REQUIRE(op.ok());
  CHECK(op->seq == 5);
  REQUIRE(op->upserts.size() == 2);
  CHECK(op->upserts[0].id == PointId::Num(UINT64_MAX));
  CHECK(op->upserts[0].offset == 7);
  CHECK(op->upserts[1].id == uuid);
  CHECK(op->upserts[1].offset == 8);

  std::vector<PointId> d = {uuid, PointId::Num(3)};
  auto del = DecodeOp(6, EncodeDeleteOp(d));
  REQUIRE(del.ok());
  CHECK(del->type == OpType::kDelete);
  CHECK(del->deletes == d);

  // Every truncation is detected, never read past.
  for (size_t len = 0; len < upsert.size(); ++len) {
    CHECK_FALSE(DecodeOp(5, std::string_view(upsert).substr(0, len)).ok());
  }
  std::string future = upsert;
  future[0] = 3;  // a format version this reader does not know
  auto refused = DecodeOp(5, future);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Status::Code::kCorruption);
  std::string bad_type = upsert;
  bad_type[1] = 9;
  CHECK_FALSE(DecodeOp(5, bad_type).ok());
  CHECK_FALSE(DecodeOp(5, upsert + "x").ok());  // trailing bytes
}

TEST_CASE("Version 1 op-log records (with vector and payload copies) are still read", "[storage]") {
  // Written byte by byte as sextant wrote them before version 2.
  std::string v1 = {'\1', '\1'};
  PutFixed32(&v1, 2);
  PutPointId(&v1, PointId::Num(4));
  PutFixed32(&v1, 11);  // offset
  PutFixed32(&v1, 2);   // dim
  const float xs[2] = {1.5f, -2.0f};
  v1.append(reinterpret_cast<const char*>(xs), sizeof(xs));
  PutFixed32(&v1, 7);
  v1.append(R"({"a":1})");
  PutPointId(&v1, PointId::Num(5));
  PutFixed32(&v1, 12);
  PutFixed32(&v1, 2);
  v1.append(reinterpret_cast<const char*>(xs), sizeof(xs));
  PutFixed32(&v1, 0);
  auto op = DecodeOp(9, v1);
  REQUIRE(op.ok());
  REQUIRE(op->upserts.size() == 2);
  CHECK(op->upserts[0].id == PointId::Num(4));
  CHECK(op->upserts[0].offset == 11);
  CHECK(op->upserts[1].id == PointId::Num(5));
  CHECK(op->upserts[1].offset == 12);
  for (size_t len = 0; len < v1.size(); ++len) {
    CHECK_FALSE(DecodeOp(9, std::string_view(v1).substr(0, len)).ok());
  }
}

TEST_CASE("Op-log keys sort in sequence order", "[storage]") {
  SeqNo seq = 0;
  CHECK(DecodeOpLogKey(OpLogKey(0x0102030405060708), &seq));
  CHECK(seq == 0x0102030405060708);
  CHECK(OpLogKey(2) < OpLogKey(256));  // bytewise order is sequence order
}

}  // namespace sextant

namespace sextant {

TEST_CASE("The id map lists live points; trimming drops only older op-log records", "[storage]") {
  testing::TempDir dir;
  auto store = CollectionStore::Open(dir.path(), StoreOptions{});
  REQUIRE(store.ok());
  const std::vector<float> v = {1, 2};
  for (SeqNo seq = 1; seq <= 5; ++seq) {
    std::vector<PointWrite> w = {{PointId::Num(seq % 3), Offset(seq - 1), v, ""}};
    REQUIRE(Commit(**store, WriteOp{.seq = seq, .next_offset = Offset(seq), .upserts = w}).ok());
  }
  std::vector<std::pair<PointId, Offset>> map;
  REQUIRE((*store)->ForEachIdOffset([&](const PointId& id, Offset o, SeqNo seq) {
    CHECK(seq == o + 1);
    map.emplace_back(id, o);
    return Status::OK();
  }).ok());
  // ids 1,2,0,1,2: the last write of each id wins.
  CHECK(map == std::vector<std::pair<PointId, Offset>>{{PointId::Num(0), 2}, {PointId::Num(1), 3}, {PointId::Num(2), 4}});

  REQUIRE((*store)->TrimOpLog(4).ok());
  std::vector<SeqNo> left;
  auto collect = [&](OpRecord&& op) {
    left.push_back(op.seq);
    return Status::OK();
  };
  REQUIRE((*store)->ForEachOp(0, collect).ok());
  CHECK(left == std::vector<SeqNo>{4, 5});
  store->reset();
  auto reopened = CollectionStore::Open(dir.path(), NoCreate());
  REQUIRE(reopened.ok());
  left.clear();
  REQUIRE((*reopened)->ForEachOp(0, collect).ok());
  CHECK(left == std::vector<SeqNo>{4, 5});
}

TEST_CASE("A full disk fails writes with an I/O error; reads keep working; nothing is lost",
          "[storage][faults]") {
  testing::TempDir dir;
  auto faults = std::make_shared<StorageFaults>();
  StoreOptions options;
  options.faults = faults;
  const std::vector<float> v = {1, 2};
  {
    auto store = CollectionStore::Open(dir.path(), options);
    REQUIRE(store.ok());
    std::vector<PointWrite> w = {{PointId::Num(1), 0, v, "{\"ok\":1}"}};
    REQUIRE(Commit(**store, WriteOp{.seq = 1, .next_offset = 1, .upserts = w}).ok());

    faults->disk_full = true;
    std::vector<PointWrite> w2 = {{PointId::Num(2), 1, v, ""}};
    const Status s = Commit(**store, WriteOp{.seq = 2, .next_offset = 2, .upserts = w2});
    CHECK(s.code() == Status::Code::kIOError);
    // The store refuses further writes (the WAL's state is unknown) even once
    // space is back, until it is reopened.
    faults->disk_full = false;
    std::vector<PointWrite> w3 = {{PointId::Num(3), 1, v, ""}};
    CHECK_FALSE(Commit(**store, WriteOp{.seq = 2, .next_offset = 2, .upserts = w3}).ok());
    auto p = (*store)->Get(PointId::Num(1));
    REQUIRE(p.ok());
    REQUIRE(p->has_value());
    CHECK((*p)->payload == "{\"ok\":1}");
    auto missing = (*store)->Get(PointId::Num(2));
    REQUIRE(missing.ok());
    CHECK_FALSE(missing->has_value());
  }
  auto store = CollectionStore::Open(dir.path(), NoCreate());
  REQUIRE(store.ok());
  auto p = (*store)->Get(PointId::Num(1));
  REQUIRE(p.ok());
  REQUIRE(p->has_value());
  CHECK((*p)->vector == v);
  std::vector<PointWrite> w4 = {{PointId::Num(4), 1, v, ""}};
  CHECK(Commit(**store, WriteOp{.seq = 2, .next_offset = 2, .upserts = w4}).ok());
}

}  // namespace sextant

namespace sextant {

TEST_CASE("A store checkpoint opens with every synced write, and the store goes on", "[storage][snapshot]") {
  testing::TempDir dir;
  auto store = CollectionStore::Open(dir.Sub("store"), StoreOptions{});
  REQUIRE(store.ok());
  REQUIRE((*store)->PutMeta("config", "dim=2").ok());
  for (uint64_t seq = 1; seq <= 100; ++seq) {
    const std::vector<float> v = {1.0f, float(seq)};
    std::vector<PointWrite> w = {{PointId::Num(seq), static_cast<Offset>(seq - 1), v, "{}"}};
    REQUIRE(Commit(**store, WriteOp{.seq = seq, .next_offset = static_cast<Offset>(seq), .upserts = w}).ok());
  }
  REQUIRE((*store)->Checkpoint(dir.Sub("checkpoint")).ok());
  CHECK_FALSE((*store)->Checkpoint(dir.Sub("checkpoint")).ok());  // never over an existing directory
  // Writes after the checkpoint stay out of it.
  const std::vector<float> v = {2.0f, 2.0f};
  std::vector<PointWrite> later = {{PointId::Num(500), 100, v, "{}"}};
  REQUIRE(Commit(**store, WriteOp{.seq = 101, .next_offset = 101, .upserts = later}).ok());

  auto copy = CollectionStore::Open(dir.Sub("checkpoint"), NoCreate());
  REQUIRE(copy.ok());
  CHECK(*(*copy)->GetMeta("config") == std::optional<std::string>("dim=2"));
  size_t points = 0;
  REQUIRE((*copy)->ForEachPoint([&](StoredPoint&& p) {
    ++points;
    CHECK(p.vector.size() == 2);
    return Status::OK();
  }).ok());
  CHECK(points == 100);
  CHECK_FALSE((*(*copy)->Get(PointId::Num(500))).has_value());
  size_t ops = 0;
  REQUIRE((*copy)->ForEachOp(0, [&](OpRecord&&) {
    ++ops;
    return Status::OK();
  }).ok());
  CHECK(ops == 100);
  CHECK((*(*store)->Get(PointId::Num(500))).has_value());
}

}  // namespace sextant

namespace sextant {

TEST_CASE("A store of the previous format is upgraded at open; an unknown one is refused", "[storage]") {
  testing::TempDir dir;
  {
    auto store = CollectionStore::Open(dir.path(), StoreOptions{});
    REQUIRE(store.ok());
    REQUIRE((*store)->PutMeta("store_format", "2").ok());  // as sextant wrote it before op-log format 2
  }
  {
    auto store = CollectionStore::Open(dir.path(), NoCreate());
    REQUIRE(store.ok());
    auto format = (*store)->GetMeta("store_format");
    REQUIRE(format.ok());
    CHECK(**format == "3");
    REQUIRE((*store)->PutMeta("store_format", "9").ok());
  }
  auto refused = CollectionStore::Open(dir.path(), NoCreate());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Status::Code::kCorruption);
  CHECK(refused.status().message().find("format 9") != std::string::npos);
}

}  // namespace sextant
