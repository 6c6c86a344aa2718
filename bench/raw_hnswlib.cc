#include "raw_hnswlib.h"

// hnswlib's headers define non-inline globals (e.g. L2SqrSIMD16Ext) whose
// values depend on the SIMD flags; index/hnsw_index.cc includes them too. A
// macro renames the namespace here so the two copies never collide at link time.
#include <cpuid.h>
#include <x86intrin.h>
#define hnswlib raw_hnswlib_anchor
#define cpuid raw_hnswlib_cpuid
#define xgetbv raw_hnswlib_xgetbv
#define AVXCapable raw_hnswlib_AVXCapable
#define AVX512Capable raw_hnswlib_AVX512Capable
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace sextant::bench {

struct RawHnswlib::State {
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
};

RawHnswlib::RawHnswlib(size_t dim, size_t capacity, size_t m, size_t ef_construct, bool inner_product)
    : state_(std::make_unique<State>()) {
  if (inner_product) {
    state_->space = std::make_unique<hnswlib::InnerProductSpace>(dim);
  } else {
    state_->space = std::make_unique<hnswlib::L2Space>(dim);
  }
  state_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(state_->space.get(), capacity, m, ef_construct, 100);
}

RawHnswlib::~RawHnswlib() = default;

void RawHnswlib::Add(const float* rows, size_t n, size_t threads) {
  const size_t dim = *static_cast<size_t*>(state_->space->get_dist_func_param());
  state_->hnsw->addPoint(rows, 0);
  std::atomic<size_t> next{1};
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) state_->hnsw->addPoint(rows + i * dim, i);
    });
  }
  for (auto& w : workers) w.join();
}

void RawHnswlib::SetEf(size_t ef) { state_->hnsw->setEf(ef); }

std::vector<uint64_t> RawHnswlib::Search(const float* query, size_t k) const {
  auto pq = state_->hnsw->searchKnn(query, k);
  std::vector<uint64_t> out(pq.size());
  for (size_t i = pq.size(); i-- > 0;) {
    out[i] = pq.top().second;
    pq.pop();
  }
  return out;
}

size_t RawHnswlib::MemoryBytes() const {
  const auto& h = *state_->hnsw;
  size_t bytes = h.cur_element_count * h.size_data_per_element_;
  for (size_t i = 0; i < h.cur_element_count; ++i) bytes += size_t(h.element_levels_[i]) * h.size_links_per_element_;
  return bytes;
}

}  // namespace sextant::bench
