#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "core/chunked_array.h"
#include "core/read_epochs.h"

namespace sextant {

TEST_CASE("ReadEpochs runs a release once every reader pinned before it is done", "[core]") {
  ReadEpochs epochs;
  std::vector<int> released;
  auto old_reader = epochs.Enter();
  epochs.Retire([&] { released.push_back(1); });
  auto newer_reader = epochs.Enter();
  epochs.Retire([&] { released.push_back(2); });
  CHECK(released.empty());

  // The newer reader's epoch holds release 2; the old one's holds release 1
  // and keeps the newer epochs alive too.
  newer_reader.reset();
  CHECK(released.empty());
  old_reader.reset();
  CHECK(released == std::vector<int>{1, 2});

  // With no reader at all, a release runs at once.
  epochs.Retire([&] { released.push_back(3); });
  CHECK(released == std::vector<int>{1, 2, 3});
}

TEST_CASE("ReadEpochs: a release pinned by a later-ending older reader waits for it", "[core]") {
  ReadEpochs epochs;
  std::vector<int> released;
  auto first = epochs.Enter();
  epochs.Retire([&] { released.push_back(1); });
  auto second = epochs.Enter();
  epochs.Retire([&] { released.push_back(2); });
  first.reset();  // release 1 may run: nobody pinned before it remains
  CHECK(released == std::vector<int>{1});
  second.reset();
  CHECK(released == std::vector<int>{1, 2});
}

TEST_CASE("ChunkedArray: unlinked chunks read as missing; OffsetBitset::Set says whether it set", "[core]") {
  ChunkedArray<uint64_t> table;
  using T = ChunkedArray<uint64_t>;
  table.Set(5, 50);
  table.Set(T::kChunkSize + 1, 70);
  CHECK(table.AllocatedChunks() == 2);
  CHECK(table.TryGet(5) == std::optional<uint64_t>(50));
  CHECK(table.TryGet(6) == std::optional<uint64_t>(0));  // allocated, never set
  CHECK_FALSE(table.TryGet(3 * T::kChunkSize).has_value());  // never allocated
  uint64_t* chunk = table.Unlink(0);
  REQUIRE(chunk != nullptr);
  delete[] chunk;
  CHECK_FALSE(table.TryGet(5).has_value());
  CHECK(table.TryGet(T::kChunkSize + 1) == std::optional<uint64_t>(70));
  CHECK(table.AllocatedChunks() == 1);
  CHECK(table.Unlink(0) == nullptr);

  OffsetBitset bits;
  CHECK(bits.Set(9));
  CHECK_FALSE(bits.Set(9));
  CHECK(bits.Test(9));
}

TEST_CASE("ReadEpochs under concurrent readers: nothing is freed while a reader may still read it", "[core][concurrency]") {
  // Readers read a published block under a pin; the writer unlinks and retires
  // blocks as fast as it can. A release poisons its block before freeing it,
  // so a reader that saw poison read memory that was already released.
  struct Block {
    std::atomic<int> value{7};
  };
  ReadEpochs epochs;
  std::atomic<Block*> current{new Block};
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto pin = epochs.Enter();
        Block* b = current.load(std::memory_order_acquire);
        for (int i = 0; i < 50; ++i) {
          if (b->value.load(std::memory_order_relaxed) != 7) bad.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < 20000; ++i) {
    Block* old = current.exchange(new Block, std::memory_order_acq_rel);
    epochs.Retire([old] {
      old->value.store(-1);
      delete old;
    });
  }
  stop = true;
  for (auto& t : readers) t.join();
  delete current.load();
  CHECK(bad.load() == 0);
}

}  // namespace sextant
