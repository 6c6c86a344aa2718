// A set of 64-bit fingerprints (hashes of vectors), for counting duplicates in
// a drift window: open addressing with linear probing in one flat table, so
// an insert is one or two cache lines and no allocation (std::unordered_set
// allocated a node per vector and was a sixth of the drift monitor's time).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sextant {

class FingerprintSet {
 public:
  // True when `h` was not in the set (and now is).
  bool Insert(uint64_t h) {
    if (h == kEmpty) h = 1;  // 0 marks a free slot
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = Mix(h) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == h) return false;
      if (slots_[i] == kEmpty) {
        slots_[i] = h;
        ++size_;
        return true;
      }
    }
  }
  size_t size() const { return size_; }
  // Empties the set and keeps its table (a window's worth is reused).
  void Clear() {
    if (size_ == 0) return;
    std::fill(slots_.begin(), slots_.end(), kEmpty);
    size_ = 0;
  }

 private:
  static constexpr uint64_t kEmpty = 0;
  // Fingerprints are good hashes already; the multiply spreads the low bits
  // anyway, should a weaker one be passed.
  static uint64_t Mix(uint64_t h) { return (h * 0x9E3779B97F4A7C15ull) >> 17; }
  void Grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, kEmpty);
    size_ = 0;
    for (uint64_t h : old) {
      if (h != kEmpty) Insert(h);
    }
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

}  // namespace sextant
