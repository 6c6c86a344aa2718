// Segment: a part of a collection's points with its own index.
//
// A collection has exactly one growing segment (append-only FlatIndex, searched
// exactly) and any number of sealed ones: frozen growing segments waiting for
// the optimizer (still flat) and indexed ones (HNSW). Deletes and updates never
// touch a segment: they set the offset's tombstone in the collection.
//
// Indexed segments are saved to a segment file (core/segment_persistence.h);
// `file()` names it. A segment without a file holds points that a restart must
// recover from the op log: the writes from first_seq() on put them there.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/types.h"
#include "core/bitmap.h"
#include "index/index.h"

namespace sextant {

// A saved segment's file, as the collection's manifest lists it.
struct SegmentFileRecord {
  std::string name;  // file name inside the collection's segments/ directory
  uint64_t size = 0;
  uint64_t checksum = 0;
};

class Segment {
 public:
  enum class State { kGrowing, kFrozen, kIndexed };
  static constexpr SeqNo kNoSeq = UINT64_MAX;

  Segment(uint64_t id, State state, std::unique_ptr<Index> index, IndexSpec spec = IndexSpec::Flat(),
          std::optional<SegmentFileRecord> file = std::nullopt)
      : id_(id), state_(state), index_(std::move(index)), spec_(spec), file_(std::move(file)) {}

  uint64_t id() const { return id_; }
  State state() const { return state_.load(std::memory_order_acquire); }
  // Growing -> frozen: the writer stops appending; the optimizer may index it.
  void Freeze() { state_.store(State::kFrozen, std::memory_order_release); }
  // Thread safety: see the Index implementations. The growing segment's
  // FlatIndex takes appends from the collection's writer while searches read.
  Index& index() { return *index_; }
  const Index& index() const { return *index_; }

  // The offsets this segment's index holds, built on first use. REQUIRES: the
  // index no longer changes (an indexed segment; extension makes a new one).
  const Bitmap& offsets() const {
    std::call_once(offsets_once_, [this] {
      index_->ForEachOffset([this](Offset o) { offsets_.add(o); });
      offsets_.runOptimize();
    });
    return offsets_;
  }

  // How the index was built (the optimizer rebuilds a segment whose spec no
  // longer matches the collection's config).
  const IndexSpec& spec() const { return spec_; }

  // The segment file holding this segment, if it was saved.
  const std::optional<SegmentFileRecord>& file() const { return file_; }

  // The range of write sequence numbers whose points this segment holds
  // (kNoSeq while it holds none). The writer notes each write it applies here.
  void NoteWrite(SeqNo seq) {
    if (first_seq_.load(std::memory_order_relaxed) == kNoSeq) first_seq_.store(seq, std::memory_order_relaxed);
    last_seq_.store(seq, std::memory_order_relaxed);
  }
  void SetSeqRange(SeqNo first, SeqNo last) {
    first_seq_.store(first, std::memory_order_relaxed);
    last_seq_.store(last, std::memory_order_relaxed);
  }
  SeqNo first_seq() const { return first_seq_.load(std::memory_order_relaxed); }
  SeqNo last_seq() const { return last_seq_.load(std::memory_order_relaxed); }

 private:
  const uint64_t id_;
  std::atomic<State> state_;
  const std::unique_ptr<Index> index_;
  const IndexSpec spec_;
  const std::optional<SegmentFileRecord> file_;
  mutable std::once_flag offsets_once_;
  mutable Bitmap offsets_;
  std::atomic<SeqNo> first_seq_{kNoSeq};
  std::atomic<SeqNo> last_seq_{kNoSeq};
};

}  // namespace sextant
