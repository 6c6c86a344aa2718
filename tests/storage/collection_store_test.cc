#include <catch2/catch.hpp>

#include "storage/collection_store.h"
#include "support/temp_dir.h"

namespace sextant {

TEST_CASE("CollectionStore keeps points and metadata across a reopen", "[storage]") {
  testing::TempDir dir;
  const std::vector<float> v1 = {1, 2, 3}, v2 = {4, 5, 6};
  const PointId uuid = *PointId::ParseUuid("00000000-0000-0000-0000-00000000000a");
  {
    auto store = CollectionStore::Open(dir.path(), StoreOptions{});
    REQUIRE(store.ok());
    REQUIRE((*store)->PutMeta("config", "dim=3").ok());
    std::vector<PointWrite> writes = {{PointId::Num(9), v1, R"({"a":1})"}, {uuid, v2, ""}};
    REQUIRE((*store)->Write(writes, {}, 1).ok());
    std::vector<PointId> deletes = {PointId::Num(9)};
    std::vector<PointWrite> again = {{PointId::Num(2), v1, "{}"}};
    REQUIRE((*store)->Write(again, deletes, 2).ok());
  }
  auto store = CollectionStore::Open(dir.path(), StoreOptions{.create_if_missing = false});
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
  CHECK((*p)->payload.empty());

  std::vector<PointId> order;
  REQUIRE((*store)->ForEachPoint([&](StoredPoint&& sp) {
    order.push_back(sp.id);
    return Status::OK();
  }).ok());
  REQUIRE(order.size() == 2);
  CHECK(order[0] == PointId::Num(2));  // integers first, then UUIDs
  CHECK(order[1] == uuid);
}

TEST_CASE("CollectionStore refuses to open a missing store without create", "[storage]") {
  testing::TempDir dir;
  auto store = CollectionStore::Open(dir.Sub("nope"), StoreOptions{.create_if_missing = false});
  CHECK_FALSE(store.ok());
}

}  // namespace sextant
