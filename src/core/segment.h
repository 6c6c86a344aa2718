// Segment: a part of a collection's points with its own index.
//
// A collection has exactly one growing segment (append-only FlatIndex, searched
// exactly) and any number of sealed ones: frozen growing segments waiting for
// the optimizer (still flat) and indexed ones (HNSW). Deletes and updates never
// touch a segment: they set the offset's tombstone in the collection.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "index/index.h"

namespace sextant {

class Segment {
 public:
  enum class State { kGrowing, kFrozen, kIndexed };

  Segment(uint64_t id, State state, std::unique_ptr<Index> index)
      : id_(id), state_(state), index_(std::move(index)) {}

  uint64_t id() const { return id_; }
  State state() const { return state_.load(std::memory_order_acquire); }
  // Growing -> frozen: the writer stops appending; the optimizer may index it.
  void Freeze() { state_.store(State::kFrozen, std::memory_order_release); }
  // Thread safety: see the Index implementations. The growing segment's
  // FlatIndex takes appends from the collection's writer while searches read.
  Index& index() { return *index_; }
  const Index& index() const { return *index_; }

 private:
  const uint64_t id_;
  std::atomic<State> state_;
  const std::unique_ptr<Index> index_;
};

}  // namespace sextant
