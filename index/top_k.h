// TopK: keeps the k closest hits seen so far (a bounded max-heap on distance).
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "index/index.h"

namespace sextant {

class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(k + 1); }

  // The distance a new hit must beat (infinity until k hits are held).
  float worst() const {
    return heap_.size() < k_ ? std::numeric_limits<float>::infinity() : heap_.front().distance;
  }
  void Push(Offset offset, float distance) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back({offset, distance});
      std::push_heap(heap_.begin(), heap_.end());
    } else if (Hit{offset, distance} < heap_.front()) {
      std::pop_heap(heap_.begin(), heap_.end());
      heap_.back() = {offset, distance};
      std::push_heap(heap_.begin(), heap_.end());
    }
  }
  size_t size() const { return heap_.size(); }
  // Nearest first. Leaves the TopK empty.
  std::vector<Hit> Take() {
    std::sort_heap(heap_.begin(), heap_.end());
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<Hit> heap_;  // max-heap by (distance, offset)
};

}  // namespace sextant
