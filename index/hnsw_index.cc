// The only file that includes hnswlib. Its exceptions stop here.
#include "index/hnsw_index.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "index/metric_distance.h"
#include "index/top_k.h"

namespace sextant {

namespace {

// hnswlib calls its distance through DISTFUNC(a, b, param); this space hands it
// our dispatched kernel. Only graph construction goes through it: searches call
// the kernel directly (see SearchLayered below).
class KernelSpace final : public hnswlib::SpaceInterface<float> {
 public:
  KernelSpace(Metric metric, size_t dim) : param_{MetricDistance(metric, dim)} {}
  size_t get_data_size() override { return param_.distance.dim() * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &Distance; }
  void* get_dist_func_param() override { return &param_; }

 private:
  struct Param {
    MetricDistance distance;
  };
  static float Distance(const void* a, const void* b, const void* param) {
    const auto* p = static_cast<const Param*>(param);
    return p->distance(static_cast<const float*>(a), static_cast<const float*>(b));
  }
  Param param_;
};

using Graph = hnswlib::HierarchicalNSW<float>;
using NodeId = hnswlib::tableint;

}  // namespace

struct HnswIndex::Graph {
  Graph(Metric metric, size_t dim) : space(metric, dim), distance(metric, dim) {}
  KernelSpace space;  // must outlive hnsw, which keeps a pointer to its param
  MetricDistance distance;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
};

HnswIndex::HnswIndex(size_t dim, Metric metric, const IndexSpec& spec)
    : dim_(dim), metric_(metric), spec_(spec), graph_(std::make_unique<Graph>(metric, dim)) {}

HnswIndex::~HnswIndex() = default;

Result<std::unique_ptr<HnswIndex>> HnswIndex::Create(size_t dim, Metric metric, const IndexSpec& spec,
                                                     size_t capacity) {
  if (spec.m < 2) return Status::InvalidArgument("hnsw m must be at least 2");
  if (dim == 0) return Status::InvalidArgument("dimension must be positive");
  std::unique_ptr<HnswIndex> index(new HnswIndex(dim, metric, spec));
  try {
    index->graph_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &index->graph_->space, std::max<size_t>(capacity, 1), spec.m, spec.ef_construct, spec.seed);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("hnswlib: ") + e.what());
  }
  return index;
}

Status HnswIndex::Add(std::span<const Offset> offsets, MatrixView rows) {
  if (rows.dim() != dim_) return Status::InvalidArgument("dimension mismatch");
  if (offsets.size() != rows.rows()) return Status::InvalidArgument("offsets and rows differ in count");
  auto& h = *graph_->hnsw;
  try {
    if (h.cur_element_count + rows.rows() > h.max_elements_) {
      h.resizeIndex(h.cur_element_count + rows.rows());
    }
    size_t first = 0;
    // hnswlib needs an entry point before threads can insert concurrently.
    if (h.cur_element_count == 0 && rows.rows() > 0) {
      h.addPoint(rows.row(0), offsets[0]);
      first = 1;
    }
    const size_t threads = std::max<size_t>(1, std::min(spec_.build_threads, rows.rows() / 256 + 1));
    if (threads == 1) {
      for (size_t i = first; i < rows.rows(); ++i) h.addPoint(rows.row(i), offsets[i]);
      return Status::OK();
    }
    std::atomic<size_t> next{first};
    std::atomic<bool> failed{false};
    std::string error;
    std::mutex error_mu;
    std::vector<std::thread> workers;
    for (size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (size_t i = next.fetch_add(1); i < rows.rows() && !failed; i = next.fetch_add(1)) {
          try {
            h.addPoint(rows.row(i), offsets[i]);
          } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(error_mu);
            error = e.what();
            failed = true;
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    if (failed) return Status::Internal("hnswlib: " + error);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("hnswlib: ") + e.what());
  }
  return Status::OK();
}

namespace {

struct Candidate {
  float distance;
  NodeId node;
};
struct Farther {  // max-heap by distance
  bool operator()(const Candidate& a, const Candidate& b) const { return a.distance < b.distance; }
};
struct Closer {  // min-heap by distance
  bool operator()(const Candidate& a, const Candidate& b) const { return a.distance > b.distance; }
};

// The base-layer beam search of hnswlib's searchBaseLayerST, with the filter
// tested as nodes are reached: rejected nodes are still walked through (they
// keep the graph connected) but never enter the result set, exactly like
// hnswlib's treatment of deleted nodes.
template <bool kFiltered>
std::vector<Candidate> SearchBaseLayer(const hnswlib::HierarchicalNSW<float>& h,
                                       const MetricDistance& distance, const float* query,
                                       NodeId entry, size_t ef, const OffsetFilter* filter) {
  hnswlib::VisitedList* visited = h.visited_list_pool_->getFreeVisitedList();
  hnswlib::vl_type* mark = visited->mass;
  const hnswlib::vl_type tag = visited->curV;

  std::vector<Candidate> top;         // max-heap, at most ef
  std::vector<Candidate> candidates;  // min-heap
  top.reserve(ef + 1);
  candidates.reserve(ef * 4);

  auto data_of = [&](NodeId id) {
    return reinterpret_cast<const float*>(h.getDataByInternalId(id));
  };
  auto accepted = [&](NodeId id) {
    return !kFiltered || filter->Accepts(static_cast<Offset>(h.getExternalLabel(id)));
  };

  float bound = std::numeric_limits<float>::max();
  const float entry_distance = distance(query, data_of(entry));
  if (accepted(entry)) {
    top.push_back({entry_distance, entry});
    bound = entry_distance;
  }
  candidates.push_back({entry_distance, entry});
  mark[entry] = tag;

  while (!candidates.empty()) {
    const Candidate current = candidates.front();
    if (current.distance > bound && (top.size() >= ef || !kFiltered)) break;
    std::pop_heap(candidates.begin(), candidates.end(), Closer());
    candidates.pop_back();

    hnswlib::linklistsizeint* links = h.get_linklist0(current.node);
    const size_t count = h.getListCount(links);
    const NodeId* neighbours = reinterpret_cast<const NodeId*>(links + 1);
    if (count > 0) {
      __builtin_prefetch(mark + neighbours[0]);
      __builtin_prefetch(data_of(neighbours[0]));
    }
    for (size_t j = 0; j < count; ++j) {
      const NodeId n = neighbours[j];
      if (j + 1 < count) {
        __builtin_prefetch(mark + neighbours[j + 1]);
        __builtin_prefetch(data_of(neighbours[j + 1]));
      }
      if (mark[n] == tag) continue;
      mark[n] = tag;
      const float d = distance(query, data_of(n));
      if (top.size() < ef || d < bound) {
        candidates.push_back({d, n});
        std::push_heap(candidates.begin(), candidates.end(), Closer());
        if (accepted(n)) {
          top.push_back({d, n});
          std::push_heap(top.begin(), top.end(), Farther());
          if (top.size() > ef) {
            std::pop_heap(top.begin(), top.end(), Farther());
            top.pop_back();
          }
        }
        if (!top.empty()) bound = top.front().distance;
      }
    }
  }
  h.visited_list_pool_->releaseVisitedList(visited);
  return top;
}

}  // namespace

Result<std::vector<Hit>> HnswIndex::Search(VectorView query, const SearchParams& params) const {
  if (query.size() != dim_) return Status::InvalidArgument("query dimension mismatch");
  const auto& h = *graph_->hnsw;
  if (h.cur_element_count == 0 || params.k == 0) return std::vector<Hit>{};
  const MetricDistance& distance = graph_->distance;
  const float* q = query.data();
  if (params.exact) return SearchExact(q, params);
  const size_t ef = std::max(params.ef != 0 ? params.ef : spec_.ef_search, params.k);

  // Greedy descent through the upper layers, as hnswlib's searchKnn does.
  NodeId current = h.enterpoint_node_;
  float current_distance =
      distance(q, reinterpret_cast<const float*>(h.getDataByInternalId(current)));
  for (int level = h.maxlevel_; level > 0; --level) {
    bool changed = true;
    while (changed) {
      changed = false;
      hnswlib::linklistsizeint* links = h.get_linklist(current, level);
      const size_t count = h.getListCount(links);
      const NodeId* neighbours = reinterpret_cast<const NodeId*>(links + 1);
      for (size_t j = 0; j < count; ++j) {
        const float d = distance(q, reinterpret_cast<const float*>(h.getDataByInternalId(neighbours[j])));
        if (d < current_distance) {
          current_distance = d;
          current = neighbours[j];
          changed = true;
        }
      }
    }
  }

  std::vector<Candidate> top =
      params.filter != nullptr
          ? SearchBaseLayer<true>(h, distance, q, current, ef, params.filter)
          : SearchBaseLayer<false>(h, distance, q, current, ef, nullptr);
  std::sort_heap(top.begin(), top.end(), Farther());
  std::vector<Hit> hits;
  hits.reserve(std::min(params.k, top.size()));
  for (size_t i = 0; i < top.size() && hits.size() < params.k; ++i) {
    hits.push_back({static_cast<Offset>(h.getExternalLabel(top[i].node)), top[i].distance});
  }
  return hits;
}

std::vector<Hit> HnswIndex::SearchExact(const float* query, const SearchParams& params) const {
  const auto& h = *graph_->hnsw;
  TopK top(params.k);
  for (NodeId id = 0; id < h.cur_element_count; ++id) {
    const Offset offset = static_cast<Offset>(h.getExternalLabel(id));
    if (params.filter != nullptr && !params.filter->Accepts(offset)) continue;
    top.Push(offset, graph_->distance(query, reinterpret_cast<const float*>(h.getDataByInternalId(id))));
  }
  return top.Take();
}

Result<std::unique_ptr<Index>> HnswIndex::CloneWithCapacity(size_t capacity) const {
  const auto& src = *graph_->hnsw;
  if (capacity < src.cur_element_count) return Status::InvalidArgument("capacity below current size");
  ASSIGN_OR_RETURN(auto copy, Create(dim_, metric_, spec_, capacity));
  auto& dst = *copy->graph_->hnsw;
  try {
    std::memcpy(dst.data_level0_memory_, src.data_level0_memory_,
                src.cur_element_count * src.size_data_per_element_);
    for (size_t i = 0; i < src.cur_element_count; ++i) {
      dst.element_levels_[i] = src.element_levels_[i];
      if (src.element_levels_[i] > 0) {
        const size_t bytes = src.size_links_per_element_ * src.element_levels_[i];
        dst.linkLists_[i] = static_cast<char*>(std::malloc(bytes));
        if (dst.linkLists_[i] == nullptr) throw std::bad_alloc();
        std::memcpy(dst.linkLists_[i], src.linkLists_[i], bytes);
      } else {
        dst.linkLists_[i] = nullptr;
      }
      // The destructor frees linklists of nodes below cur_element_count only, so
      // advance it as each node is copied to stay leak-free on failure.
      dst.cur_element_count = i + 1;
    }
    dst.label_lookup_ = src.label_lookup_;
    dst.enterpoint_node_ = src.enterpoint_node_;
    dst.maxlevel_ = src.maxlevel_;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("hnswlib clone: ") + e.what());
  }
  return std::unique_ptr<Index>(std::move(copy));
}

const float* HnswIndex::Vector(Offset offset) const {
  const auto& h = *graph_->hnsw;
  auto it = h.label_lookup_.find(offset);
  if (it == h.label_lookup_.end()) return nullptr;
  return reinterpret_cast<const float*>(h.getDataByInternalId(it->second));
}

size_t HnswIndex::size() const { return graph_->hnsw->cur_element_count; }

size_t HnswIndex::MemoryBytes() const {
  const auto& h = *graph_->hnsw;
  size_t bytes = h.max_elements_ * h.size_data_per_element_;
  for (size_t i = 0; i < h.cur_element_count; ++i) {
    bytes += h.size_links_per_element_ * h.element_levels_[i];
  }
  bytes += h.label_lookup_.size() * (sizeof(size_t) + sizeof(NodeId) + 16);
  return bytes;
}

}  // namespace sextant
