// ChunkedArray<T> and OffsetBitset: per-offset tables that one writer fills
// while many searches read them, without locks.
//
// Storage is a fixed directory of lazily allocated chunks that never move, so a
// reader never sees a reallocation. Publication: the writer stores an entry
// before it publishes the offset elsewhere with release semantics (a segment's
// row count, a mutex), and readers only look up offsets they learnt of that way.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "common/types.h"

namespace sextant {

template <typename T>
class ChunkedArray {
 public:
  static constexpr size_t kChunkBits = 16;
  static constexpr size_t kChunkSize = size_t{1} << kChunkBits;

  ChunkedArray() : chunks_((size_t{1} << 32) >> kChunkBits) {}
  ~ChunkedArray() {
    for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
  }
  ChunkedArray(const ChunkedArray&) = delete;
  ChunkedArray& operator=(const ChunkedArray&) = delete;

  // REQUIRES: a single writer at a time.
  void Set(Offset offset, const T& value) {
    auto& slot = chunks_[offset >> kChunkBits];
    T* chunk = slot.load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = new T[kChunkSize]();
      slot.store(chunk, std::memory_order_release);
    }
    chunk[offset & (kChunkSize - 1)] = value;
  }
  // A copy of the entry, or nullopt when its chunk was never allocated or has
  // been unlinked (Unlink). REQUIRES: the caller holds a pin of the ReadEpochs
  // that chunks are retired through (core/read_epochs.h), if any.
  std::optional<T> TryGet(Offset offset) const {
    const T* chunk = chunks_[offset >> kChunkBits].load(std::memory_order_acquire);
    if (chunk == nullptr) return std::nullopt;
    return chunk[offset & (kChunkSize - 1)];
  }

  // Chunks allocated now (a walk over the directory: for tests and stats).
  size_t AllocatedChunks() const {
    size_t n = 0;
    for (const auto& c : chunks_) n += c.load(std::memory_order_relaxed) != nullptr;
    return n;
  }

  // Detaches a chunk none of whose entries will be set or wanted again; the
  // caller frees it (delete[]) once no reader can still be reading it.
  T* Unlink(size_t chunk) { return chunks_[chunk].exchange(nullptr, std::memory_order_acq_rel); }

 private:
  std::vector<std::atomic<T*>> chunks_;
};

// One bit per offset: set = the offset is deleted (a tombstone). Test() may race
// with Set() of the same bit; it then sees either value, which is the semantics
// of a search concurrent with a delete.
class OffsetBitset {
 public:
  static constexpr size_t kWordsPerChunk = 1024;  // 65536 bits
  OffsetBitset() : chunks_(((size_t{1} << 32) / 64) / kWordsPerChunk) {}
  ~OffsetBitset() {
    for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
  }
  OffsetBitset(const OffsetBitset&) = delete;
  OffsetBitset& operator=(const OffsetBitset&) = delete;

  // REQUIRES: a single writer at a time. Returns whether the bit was clear.
  bool Set(Offset offset) {
    const size_t word = offset / 64;
    auto& slot = chunks_[word / kWordsPerChunk];
    std::atomic<uint64_t>* chunk = slot.load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = new std::atomic<uint64_t>[kWordsPerChunk]();
      slot.store(chunk, std::memory_order_release);
    }
    const uint64_t bit = uint64_t{1} << (offset % 64);
    return (chunk[word % kWordsPerChunk].fetch_or(bit, std::memory_order_relaxed) & bit) == 0;
  }
  bool Test(Offset offset) const {
    const size_t word = offset / 64;
    const std::atomic<uint64_t>* chunk = chunks_[word / kWordsPerChunk].load(std::memory_order_acquire);
    if (chunk == nullptr) return false;
    return (chunk[word % kWordsPerChunk].load(std::memory_order_relaxed) >> (offset % 64)) & 1;
  }

 private:
  std::vector<std::atomic<std::atomic<uint64_t>*>> chunks_;
};

}  // namespace sextant
