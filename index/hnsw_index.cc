// The only file that includes hnswlib. Its exceptions stop here.
#include "index/hnsw_index.h"

#include <hnswlib/hnswlib.h>

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "index/metric_distance.h"
#include "index/quantized_kernels.h"
#include "index/sq8_codes.h"
#include "index/top_k.h"

namespace sextant {

namespace {

// hnswlib calls its distance through DISTFUNC(a, b, param); this space hands it
// our dispatched kernel directly (SpaceDistanceFn has that signature), with the
// dimension as the parameter. Searches call the same kernel themselves
// (HnswIndex::Search and SearchBaseLayer below).
class KernelSpace final : public hnswlib::SpaceInterface<float> {
 public:
  KernelSpace(Metric metric, size_t dim) : distance_(metric, dim) {}
  size_t get_data_size() override { return distance_.dim() * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance_.space_kernel(); }
  void* get_dist_func_param() override { return const_cast<size_t*>(distance_.dim_ptr()); }

 private:
  MetricDistance distance_;
};

using Graph = hnswlib::HierarchicalNSW<float>;
using NodeId = hnswlib::tableint;

}  // namespace

struct HnswIndex::Graph {
  Graph(Metric metric, size_t dim) : space(metric, dim), distance(metric, dim) {}
  KernelSpace space;  // must outlive hnsw, which keeps a pointer to its param
  MetricDistance distance;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  // Codes::kSq8: the copy the walk reads, one byte a dimension per node in
  // node order (dim bytes each), and the squared norm of each decoded vector
  // (the Euclid walk's correction). The floats stay in hnsw for rescoring.
  Sq8Ranges sq8;
  std::vector<uint8_t> codes;
  std::vector<float> code_norms;

  // Encodes every node's vector (after the nodes moved: Add reorders them).
  // With `train`, the ranges are first read from the vectors themselves.
  void EncodeAll(size_t dim, float quantile, bool train) {
    const auto& h = *hnsw;
    const size_t n = h.cur_element_count;
    auto vector_of = [&](size_t id) { return reinterpret_cast<const float*>(h.getDataByInternalId(id)); };
    if (train) {
      constexpr size_t kSampleRows = 65536;
      const size_t stride = std::max<size_t>(1, (n + kSampleRows - 1) / kSampleRows);
      std::vector<float> sample;
      size_t rows = 0;
      for (size_t i = 0; i < n; i += stride, ++rows) sample.insert(sample.end(), vector_of(i), vector_of(i) + dim);
      sq8 = TrainSq8Ranges(MatrixView(sample.data(), rows, dim), quantile);
    }
    codes.assign(n * dim, 0);
    code_norms.assign(n, 0.0f);
    for (size_t i = 0; i < n; ++i) {
      EncodeSq8(vector_of(i), sq8, codes.data() + i * dim);
      code_norms[i] = DecodedSquaredNorm(codes.data() + i * dim, sq8);
    }
  }
};

namespace {

// Moves hnswlib's level-0 array (links, vector and label of every node: nearly
// all of the index) to memory the kernel backs with 2 MiB pages where it can.
// A search reads scattered nodes all over this array; with 4 KiB pages nearly
// every node it reaches costs a TLB miss and a page walk on top of the cache
// miss, with 2 MiB pages a 100k x 100-d graph needs a few dozen TLB entries.
// Debian's default transparent-huge-page mode is "madvise", so it takes this
// call; elsewhere it is a harmless hint. Must run before the array is touched
// (hnswlib allocates it untouched), and the memory stays free()-compatible
// because hnswlib frees and reallocs it.
void PlaceLevel0OnHugePages(hnswlib::HierarchicalNSW<float>& h) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t bytes = h.max_elements_ * h.size_data_per_element_;
  if (bytes < kHugePage) return;  // a small graph fits the TLB anyway
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* memory = std::aligned_alloc(kHugePage, rounded);
  if (memory == nullptr) return;  // keep hnswlib's own allocation
  madvise(memory, rounded, MADV_HUGEPAGE);  // best effort: the hint may be refused
  std::memcpy(memory, h.data_level0_memory_, h.cur_element_count * h.size_data_per_element_);
  std::free(h.data_level0_memory_);
  h.data_level0_memory_ = static_cast<char*>(memory);
}

// Renumbers the graph's nodes in breadth-first order from the entry point, so
// that nodes a search reaches together sit together in memory. A search walks
// from the entry point outwards; in insertion order its neighbours' vectors are
// scattered over the whole level-0 array and almost every distance misses the
// cache, while in BFS order the nodes near the entry point (visited by every
// search) and the neighbours of a node share pages and cache lines. The graph
// is the same graph (same links, same labels), so results do not change.
// (Coleman et al., "Graph Reordering for Cache-Efficient Near Neighbor Search",
// 2022, measure BFS-like orders among the best for HNSW.)
//
// In place: links and the label map are renumbered, then elements move along
// the permutation's cycles with two elements of scratch memory, so the reorder
// never doubles the index's memory.
void ReorderForLocality(hnswlib::HierarchicalNSW<float>& h) {
  const size_t n = h.cur_element_count;
  if (n < 2) return;
  constexpr NodeId kUnset = std::numeric_limits<NodeId>::max();
  std::vector<NodeId> new_of(n, kUnset);
  std::vector<NodeId> queue;
  queue.reserve(n);
  NodeId next_id = 0;
  auto bfs_from = [&](NodeId start) {
    new_of[start] = next_id++;
    queue.push_back(start);
    for (size_t head = queue.size() - 1; head < queue.size(); ++head) {
      hnswlib::linklistsizeint* links = h.get_linklist0(queue[head]);
      const size_t count = h.getListCount(links);
      const NodeId* neighbours = reinterpret_cast<const NodeId*>(links + 1);
      for (size_t j = 0; j < count; ++j) {
        if (new_of[neighbours[j]] == kUnset) {
          new_of[neighbours[j]] = next_id++;
          queue.push_back(neighbours[j]);
        }
      }
    }
  };
  bfs_from(h.enterpoint_node_);
  // Nodes no level-0 path reaches from the entry point (rare) keep their
  // relative order after the reachable ones.
  for (NodeId id = 0; id < n; ++id) {
    if (new_of[id] == kUnset) bfs_from(id);
  }

  auto renumber = [&](hnswlib::linklistsizeint* links) {
    const size_t count = h.getListCount(links);
    NodeId* neighbours = reinterpret_cast<NodeId*>(links + 1);
    for (size_t j = 0; j < count; ++j) neighbours[j] = new_of[neighbours[j]];
  };
  for (NodeId id = 0; id < n; ++id) {
    renumber(h.get_linklist0(id));
    for (int level = 1; level <= h.element_levels_[id]; ++level) renumber(h.get_linklist(id, level));
  }
  h.enterpoint_node_ = new_of[h.enterpoint_node_];
  for (auto& [label, id] : h.label_lookup_) id = new_of[id];

  // Move element i to new_of[i], cycle by cycle: carry one element, drop it at
  // its destination and pick up the one that was there.
  const size_t stride = h.size_data_per_element_;
  std::vector<char> carried(stride), displaced(stride);
  std::vector<bool> placed(n, false);
  auto element = [&](NodeId id) { return h.data_level0_memory_ + id * stride; };
  for (NodeId start = 0; start < n; ++start) {
    if (placed[start] || new_of[start] == start) continue;
    std::memcpy(carried.data(), element(start), stride);
    char* carried_links = h.linkLists_[start];
    int carried_level = h.element_levels_[start];
    NodeId from = start;
    do {
      const NodeId to = new_of[from];
      std::memcpy(displaced.data(), element(to), stride);
      std::memcpy(element(to), carried.data(), stride);
      std::swap(carried, displaced);
      std::swap(carried_links, h.linkLists_[to]);
      std::swap(carried_level, h.element_levels_[to]);
      placed[to] = true;
      from = to;
    } while (from != start);
  }
}

}  // namespace

HnswIndex::HnswIndex(size_t dim, Metric metric, const IndexSpec& spec)
    : dim_(dim), metric_(metric), spec_(spec), graph_(std::make_unique<Graph>(metric, dim)) {}

HnswIndex::~HnswIndex() = default;

Result<std::unique_ptr<HnswIndex>> HnswIndex::Create(size_t dim, Metric metric, const IndexSpec& spec,
                                                     size_t capacity) {
  if (spec.m < 2) return Status::InvalidArgument("hnsw m must be at least 2");
  if (spec.codes == Codes::kPq) return Status::InvalidArgument("hnsw segments take scalar (sq8) codes only");
  if (spec.codes == Codes::kSq8 && metric == Metric::kManhattan) {
    return Status::InvalidArgument("int8 quantization supports Cosine, Dot and Euclid only");
  }
  if (dim == 0) return Status::InvalidArgument("dimension must be positive");
  std::unique_ptr<HnswIndex> index(new HnswIndex(dim, metric, spec));
  try {
    index->graph_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &index->graph_->space, std::max<size_t>(capacity, 1), spec.m, spec.ef_construct, spec.seed);
    PlaceLevel0OnHugePages(*index->graph_->hnsw);
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
      PlaceLevel0OnHugePages(h);
    }
    size_t first = 0;
    // hnswlib needs an entry point before threads can insert concurrently.
    if (h.cur_element_count == 0 && rows.rows() > 0) {
      h.addPoint(rows.row(0), offsets[0]);
      first = 1;
    }
    // Parallel insertion as hnswlib's own bindings do it. hnswlib 0.6.2 draws
    // levels from an unsynchronised generator in addPoint (tests/tsan.supp):
    // concurrent inserts may draw correlated levels, which changes the graph's
    // shape, never its memory safety; recall is what the tests hold it to.
    const size_t threads = std::max<size_t>(1, std::min(spec_.build_threads, rows.rows() / 256 + 1));
    if (threads == 1) {
      for (size_t i = first; i < rows.rows(); ++i) h.addPoint(rows.row(i), offsets[i]);
    } else {
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
    }
    ReorderForLocality(h);
    if (spec_.codes == Codes::kSq8) graph_->EncodeAll(dim_, spec_.quantile, /*train=*/true);
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

// What a walk compares: the float vectors inside hnswlib's nodes, or the
// int8 codes beside them. Each gives the distance of a node to the query and
// prefetches its data: the first cache line, and the rest shortly before use.
class FloatScorer {
 public:
  FloatScorer(const hnswlib::HierarchicalNSW<float>& h, const MetricDistance& metric, const float* query)
      : level0_(h.data_level0_memory_),
        stride_(h.size_data_per_element_),
        data_offset_(h.offsetData_),
        kernel_(metric.space_kernel()),
        dim_(metric.dim_ptr()),
        vector_bytes_(*metric.dim_ptr() * sizeof(float)),
        query_(query) {}
  float operator()(NodeId id) const { return kernel_(query_, data_of(id), dim_); }
  void PrefetchFirst(NodeId id) const { __builtin_prefetch(data_of(id)); }
  void PrefetchRest(NodeId id) const {
    const char* vector = reinterpret_cast<const char*>(data_of(id));
    for (size_t line = 64; line < vector_bytes_; line += 64) __builtin_prefetch(vector + line);
  }

 private:
  const float* data_of(NodeId id) const {
    return reinterpret_cast<const float*>(level0_ + id * stride_ + data_offset_);
  }
  const char* const level0_;
  const size_t stride_;
  const size_t data_offset_;
  const SpaceDistanceFn kernel_;
  const size_t* const dim_;
  const size_t vector_bytes_;
  const float* const query_;
};

// The int8 walk. A code c stands for x = lo + step*c (per dimension), so
//   q.x = sum q*lo + sum (q*step)*c,
// and q*step, scaled to -127..127, makes the second sum one exact integer
// dot product of bytes (quantized_kernels.h: VNNI where the CPU has it).
// Cosine and Dot rank by 1 - q.x; Euclid by |q|^2 - 2 q.x + |x|^2 with |x|^2
// of the decoded vector stored per node.
class CodeScorer {
 public:
  CodeScorer(const HnswIndex::Graph& g, Metric metric, size_t dim, const float* query)
      : codes_(g.codes.data()),
        norms_(g.code_norms.data()),
        dim_(dim),
        dot_(ActiveQuantizedKernels().dot_u8s8),
        euclid_(metric == Metric::kEuclid) {
    thread_local std::vector<int8_t> scaled;
    thread_local std::vector<float> weights;
    scaled.resize(dim);
    weights.resize(dim);
    float bias = 0.0f, largest = 0.0f, query_norm = 0.0f;
    for (size_t d = 0; d < dim; ++d) {
      weights[d] = query[d] * g.sq8.step[d];
      bias += query[d] * g.sq8.lo[d];
      largest = std::max(largest, std::fabs(weights[d]));
      query_norm += query[d] * query[d];
    }
    // A query so large that q*step overflows (finite vectors can) walks with
    // zero weights; the float rescoring still ranks what the walk found.
    scale_ = largest > 0.0f && std::isfinite(largest) ? largest / 127.0f : 1.0f;
    for (size_t d = 0; d < dim; ++d) {
      const float level = std::round(weights[d] / scale_);
      scaled[d] = std::isfinite(largest) ? static_cast<int8_t>(std::clamp(level, -127.0f, 127.0f)) : 0;
    }
    query_ = scaled.data();
    bias_ = bias;
    query_norm_ = query_norm;
  }
  float operator()(NodeId id) const {
    const float dot = bias_ + scale_ * static_cast<float>(dot_(codes_ + size_t{id} * dim_, query_, dim_));
    return euclid_ ? query_norm_ - 2.0f * dot + norms_[id] : 1.0f - dot;
  }
  void PrefetchFirst(NodeId id) const { __builtin_prefetch(codes_ + size_t{id} * dim_); }
  void PrefetchRest(NodeId id) const {
    const uint8_t* code = codes_ + size_t{id} * dim_;
    // From the code's second cache line on (it may start mid-line).
    const uintptr_t first_line = reinterpret_cast<uintptr_t>(code) & ~uintptr_t{63};
    for (uintptr_t line = first_line + 64; line < reinterpret_cast<uintptr_t>(code + dim_); line += 64) {
      __builtin_prefetch(reinterpret_cast<const void*>(line));
    }
  }

 private:
  const uint8_t* const codes_;
  const float* const norms_;
  const size_t dim_;
  int32_t (*const dot_)(const uint8_t*, const int8_t*, size_t);
  const bool euclid_;
  const int8_t* query_ = nullptr;
  float scale_ = 1.0f, bias_ = 0.0f, query_norm_ = 0.0f;
};

// The base-layer beam search of hnswlib's searchBaseLayerST, with the filter
// tested as nodes are reached: rejected nodes are still walked through (they
// keep the graph connected) but never enter the result set, exactly like
// hnswlib's treatment of deleted nodes.
// Leaves the (up to) ef closest accepted nodes in *out, as a max-heap.
template <bool kFiltered, class Scorer>
void SearchBaseLayer(const hnswlib::HierarchicalNSW<float>& h, const Scorer& distance, NodeId entry, size_t ef,
                     const OffsetFilter* filter, std::vector<Candidate>* out) {
  // Visited nodes as a bitset (1 bit a node: 12.5 KB for 100k nodes, which
  // stays in L1/L2) instead of hnswlib's 16-bit tag per node, whose 200 KB per
  // 100k nodes miss the cache on most checks. Clearing it costs a memset per
  // search, far below the search itself. Thread-local: no pool, no mutex.
  thread_local std::vector<uint64_t> visited;
  const size_t words = (h.cur_element_count + 63) / 64;
  if (visited.size() < words) visited.resize(words);
  std::memset(visited.data(), 0, words * sizeof(uint64_t));
  uint64_t* const bits = visited.data();
  auto test_and_set = [bits](NodeId id) {
    uint64_t& word = bits[id >> 6];
    const uint64_t bit = uint64_t{1} << (id & 63);
    const bool seen = (word & bit) != 0;
    word |= bit;
    return seen;
  };

  // The graph does not change during a search: read its layout once, so the
  // compiler need not reload members after every store to the heaps below.
  const char* const level0 = h.data_level0_memory_;
  const size_t stride = h.size_data_per_element_;
  const size_t label_offset = h.label_offset_;
  // The first pass below fetches each vector's first cache line only; the rest
  // of a vector is fetched kRestAhead distances before the kernel reads it.
  // One ahead is too late, all at once overflows the core's outstanding-miss
  // buffers; two ahead measured best (bench/hnsw_vs_hnswlib, glove100).
  constexpr size_t kRestAhead = 2;

  auto links_of = [&](NodeId id) {
    return reinterpret_cast<const hnswlib::linklistsizeint*>(level0 + id * stride);
  };
  auto accepted = [&](NodeId id) {
    if constexpr (!kFiltered) return true;
    hnswlib::labeltype label;
    std::memcpy(&label, level0 + id * stride + label_offset, sizeof(label));
    return filter->Accepts(static_cast<Offset>(label));
  };

  // Buffers are reused across searches on this thread (no allocation per
  // query) but moved into locals for the search: the kernel is an opaque call,
  // and a vector whose address escapes (a thread_local) would have its size and
  // data pointer reloaded after every distance.
  thread_local std::vector<Candidate> candidates_storage;
  thread_local std::vector<NodeId> fresh_storage;
  std::vector<Candidate> candidates = std::move(candidates_storage);  // min-heap
  std::vector<NodeId> fresh = std::move(fresh_storage);  // unvisited neighbours of one node
  std::vector<Candidate> top = std::move(*out);          // max-heap, at most ef
  top.clear();
  candidates.clear();
  fresh.resize(std::max<size_t>(fresh.size(), h.maxM0_ + 1));

  float bound = std::numeric_limits<float>::max();
  const float entry_distance = distance(entry);
  if (accepted(entry)) {
    top.push_back({entry_distance, entry});
    bound = entry_distance;
  }
  candidates.push_back({entry_distance, entry});
  test_and_set(entry);

  while (!candidates.empty()) {
    const Candidate current = candidates.front();
    if (current.distance > bound && (top.size() >= ef || !kFiltered)) break;
    std::pop_heap(candidates.begin(), candidates.end(), Closer());
    candidates.pop_back();
    // The next node to expand is the closest remaining candidate, unless a
    // neighbour found below beats it (then that one is prefetched instead).
    // Fetching its links now overlaps the miss with the distances below.
    if (!candidates.empty()) __builtin_prefetch(links_of(candidates.front().node));

    const hnswlib::linklistsizeint* links = links_of(current.node);
    const size_t count = *reinterpret_cast<const unsigned short*>(links);
    const NodeId* neighbours = reinterpret_cast<const NodeId*>(links + 1);
    // Two passes over the neighbour list: pick the unvisited neighbours and
    // prefetch the first cache line of each of their vectors, then compute
    // distances, so that the cache misses overlap instead of coming one at a time.
    size_t fresh_count = 0;
    for (size_t j = 0; j < count; ++j) {
      const NodeId n = neighbours[j];
      if (test_and_set(n)) continue;
      fresh[fresh_count++] = n;
      distance.PrefetchFirst(n);
    }
    for (size_t j = 0; j < std::min(kRestAhead, fresh_count); ++j) distance.PrefetchRest(fresh[j]);
    for (size_t j = 0; j < fresh_count; ++j) {
      const NodeId n = fresh[j];
      if (j + kRestAhead < fresh_count) distance.PrefetchRest(fresh[j + kRestAhead]);
      const float d = distance(n);
      if (top.size() < ef || d < bound) {
        candidates.push_back({d, n});
        std::push_heap(candidates.begin(), candidates.end(), Closer());
        if (candidates.front().node == n) __builtin_prefetch(links_of(n));
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
  *out = std::move(top);
  candidates_storage = std::move(candidates);
  fresh_storage = std::move(fresh);
}

}  // namespace

namespace {

// Greedy descent through the upper layers, as hnswlib's searchKnn does, then
// the beam search of the base layer. Leaves the beam in *top, nearest first.
template <class Scorer>
void Walk(const hnswlib::HierarchicalNSW<float>& h, const Scorer& distance, size_t ef,
          const OffsetFilter* filter, std::vector<Candidate>* top) {
  NodeId current = h.enterpoint_node_;
  float current_distance = distance(current);
  for (int level = h.maxlevel_; level > 0; --level) {
    bool changed = true;
    while (changed) {
      changed = false;
      hnswlib::linklistsizeint* links = h.get_linklist(current, level);
      const size_t count = h.getListCount(links);
      const NodeId* neighbours = reinterpret_cast<const NodeId*>(links + 1);
      for (size_t j = 0; j < count; ++j) {
        const float d = distance(neighbours[j]);
        if (d < current_distance) {
          current_distance = d;
          current = neighbours[j];
          changed = true;
        }
      }
    }
  }
  if (filter != nullptr) {
    SearchBaseLayer<true>(h, distance, current, ef, filter, top);
  } else {
    SearchBaseLayer<false>(h, distance, current, ef, nullptr, top);
  }
  std::sort_heap(top->begin(), top->end(), Farther());
}

}  // namespace

Result<std::vector<Hit>> HnswIndex::Search(VectorView query, const SearchParams& params) const {
  if (query.size() != dim_) return Status::InvalidArgument("query dimension mismatch");
  const auto& h = *graph_->hnsw;
  if (h.cur_element_count == 0 || params.k == 0) return std::vector<Hit>{};
  const float* q = query.data();
  if (params.exact) return SearchExact(q, params);
  size_t ef = std::max(params.ef != 0 ? params.ef : spec_.ef_search, params.k);

  thread_local std::vector<Candidate> top;
  std::vector<Hit> hits;
  const bool coded = spec_.codes == Codes::kSq8 && !params.ignore_codes && !graph_->codes.empty();
  if (!coded) {
    Walk(h, FloatScorer(h, graph_->distance, q), ef, params.filter, &top);
    hits.reserve(std::min(params.k, top.size()));
    for (size_t i = 0; i < top.size() && hits.size() < params.k; ++i) {
      hits.push_back({static_cast<Offset>(h.getExternalLabel(top[i].node)), top[i].distance});
    }
    return hits;
  }
  // The int8 walk, then the k*oversampling nearest by code distance
  // re-ranked by their float distance.
  size_t wanted = params.k;
  if (params.rescore) {
    const double oversampling = params.oversampling > 0 ? std::max(params.oversampling, 1.0) : kInt8Oversampling;
    wanted = static_cast<size_t>(std::ceil(static_cast<double>(params.k) * oversampling));
    ef = std::max(ef, wanted);
  }
  Walk(h, CodeScorer(*graph_, metric_, dim_, q), ef, params.filter, &top);
  const size_t take = std::min(wanted, top.size());
  if (!params.rescore) {
    for (size_t i = 0; i < take; ++i) {
      hits.push_back({static_cast<Offset>(h.getExternalLabel(top[i].node)), top[i].distance});
    }
    return hits;
  }
  TopK exact(params.k);
  for (size_t i = 0; i < take; ++i) {
    const NodeId node = top[i].node;
    exact.Push(static_cast<Offset>(h.getExternalLabel(node)),
               graph_->distance(q, reinterpret_cast<const float*>(h.getDataByInternalId(node))));
  }
  return exact.Take();
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

std::vector<Hit> HnswIndex::SearchAmong(VectorView query, std::span<const Offset> candidates, size_t k,
                                        const OffsetFilter* filter) const {
  const auto& h = *graph_->hnsw;
  TopK top(k);
  for (Offset off : candidates) {
    if (filter != nullptr && !filter->Accepts(off)) continue;
    auto it = h.label_lookup_.find(off);
    if (it == h.label_lookup_.end()) continue;
    top.Push(off, graph_->distance(query.data(), reinterpret_cast<const float*>(h.getDataByInternalId(it->second))));
  }
  return top.Take();
}

namespace {

// hnswlib's searchBaseLayer prefetches the link after the last one
// (hnswalg.h:214, `*(datal + j + 1)`), one int past a full upper-level list;
// its own allocations have malloc's rounding there, so ours get the same
// slack explicitly (ThreadSanitizer saw the read land in a neighbouring,
// freed block). Freed with free() by hnswlib's destructor.
char* AllocateLinkList(size_t bytes) {
  constexpr size_t kPrefetchSlack = 2 * sizeof(unsigned int);
  auto* list = static_cast<char*>(std::calloc(1, bytes + kPrefetchSlack));
  if (list == nullptr) throw std::bad_alloc();
  return list;
}

}  // namespace

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
        dst.linkLists_[i] = AllocateLinkList(bytes);
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
    copy->graph_->sq8 = graph_->sq8;
    copy->graph_->codes = graph_->codes;
    copy->graph_->code_norms = graph_->code_norms;
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

namespace {
constexpr uint32_t kHnswFormat = 1;
// hnswlib draws levels with mult = 1/ln(M): a level beyond 64 has probability
// below M^-64. Anything higher in a file is damage.
constexpr int kMaxLevel = 64;

// The layout fields that must match between the file and a graph built with
// the same dim and M, or the bytes mean something else.
struct Layout {
  uint64_t stride, links_size, m, max_m0, data_offset, label_offset;
  static Layout Of(const hnswlib::HierarchicalNSW<float>& h) {
    return {h.size_data_per_element_, h.size_links_per_element_, h.M_, h.maxM0_, h.offsetData_,
            h.label_offset_};
  }
  bool operator==(const Layout&) const = default;
};
}  // namespace

// Format 1: u32 version, u64 count, Layout (6 x u64), u32 entry point, i32 max
// level, the level-0 array (count x stride bytes: links, vector, label per
// node, in hnswlib's layout), i32 level per node, then for each node with level
// > 0 its upper link lists (level x links_size bytes); with spec.codes kSq8,
// then the code ranges (dim f32 lows, dim f32 steps). Node order is the BFS
// order Add() left, so a loaded graph is laid out like the saved one.
Status HnswIndex::Save(ByteWriter& out) const {
  const auto& h = *graph_->hnsw;
  const uint64_t n = h.cur_element_count;
  const Layout layout = Layout::Of(h);
  RETURN_IF_ERROR(WriteValue(out, kHnswFormat));
  RETURN_IF_ERROR(WriteValue(out, n));
  RETURN_IF_ERROR(WriteValue(out, layout));
  RETURN_IF_ERROR(WriteValue(out, static_cast<uint32_t>(h.enterpoint_node_)));
  RETURN_IF_ERROR(WriteValue(out, static_cast<int32_t>(h.maxlevel_)));
  RETURN_IF_ERROR(out.Write(h.data_level0_memory_, n * h.size_data_per_element_));
  for (uint64_t i = 0; i < n; ++i) RETURN_IF_ERROR(WriteValue(out, static_cast<int32_t>(h.element_levels_[i])));
  for (uint64_t i = 0; i < n; ++i) {
    if (h.element_levels_[i] > 0) {
      RETURN_IF_ERROR(out.Write(h.linkLists_[i], h.size_links_per_element_ * h.element_levels_[i]));
    }
  }
  if (spec_.codes == Codes::kSq8) {
    // The ranges only: the codes are recomputed from the floats at load.
    const Sq8Ranges& r = graph_->sq8;
    RETURN_IF_ERROR(out.Write(r.lo.data(), r.lo.size() * sizeof(float)));
    RETURN_IF_ERROR(out.Write(r.step.data(), r.step.size() * sizeof(float)));
  }
  return Status::OK();
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Load(size_t dim, Metric metric, const IndexSpec& spec,
                                                   ByteReader& in) {
  uint32_t version = 0;
  uint64_t n = 0;
  Layout layout{};
  uint32_t entry = 0;
  int32_t max_level = 0;
  RETURN_IF_ERROR(ReadValue(in, &version));
  if (version != kHnswFormat) return Status::Corruption("hnsw format " + std::to_string(version) + " unknown");
  RETURN_IF_ERROR(ReadValue(in, &n));
  RETURN_IF_ERROR(ReadValue(in, &layout));
  RETURN_IF_ERROR(ReadValue(in, &entry));
  RETURN_IF_ERROR(ReadValue(in, &max_level));
  {
    // The layout a graph of this dim and m has, before anything is sized by
    // the file's numbers.
    ASSIGN_OR_RETURN(auto probe, Create(dim, metric, spec, 1));
    if (!(Layout::Of(*probe->graph_->hnsw) == layout)) {
      return Status::Corruption("hnsw layout differs from this collection's dim and m");
    }
  }
  if (n > std::numeric_limits<Offset>::max() || n > in.remaining() / layout.stride) {
    return Status::Corruption("hnsw node count larger than the data holds");
  }
  ASSIGN_OR_RETURN(auto index, Create(dim, metric, spec, n));
  auto& h = *index->graph_->hnsw;
  RETURN_IF_ERROR(in.Read(h.data_level0_memory_, n * h.size_data_per_element_));
  std::vector<int32_t> levels(n);
  RETURN_IF_ERROR(in.Read(levels.data(), n * sizeof(int32_t)));
  for (int32_t level : levels) {
    if (level < 0 || level > kMaxLevel) return Status::Corruption("hnsw node level out of range");
  }
  try {
    for (uint64_t i = 0; i < n; ++i) {
      h.element_levels_[i] = 0;
      if (levels[i] > 0) {
        const size_t bytes = h.size_links_per_element_ * levels[i];
        if (bytes > in.remaining()) return Status::Corruption("hnsw link lists truncated");
        h.linkLists_[i] = AllocateLinkList(bytes);
        h.element_levels_[i] = levels[i];
        h.cur_element_count = i + 1;  // from here the destructor frees it
        RETURN_IF_ERROR(in.Read(h.linkLists_[i], bytes));
      } else {
        h.linkLists_[i] = nullptr;
      }
      h.cur_element_count = i + 1;
    }
    // Every link must point at a node that exists on that level, or a search
    // would read outside the graph.
    auto links_valid = [&](hnswlib::linklistsizeint* links, size_t max_count, int level) {
      const size_t count = h.getListCount(links);
      if (count > max_count) return false;
      const NodeId* neighbours = reinterpret_cast<const NodeId*>(links + 1);
      for (size_t j = 0; j < count; ++j) {
        if (neighbours[j] >= n || h.element_levels_[neighbours[j]] < level) return false;
      }
      return true;
    };
    h.label_lookup_.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      const NodeId id = static_cast<NodeId>(i);
      if (!links_valid(h.get_linklist0(id), h.maxM0_, 0)) return Status::Corruption("hnsw level-0 links invalid");
      for (int level = 1; level <= h.element_levels_[i]; ++level) {
        if (!links_valid(h.get_linklist(id, level), h.maxM_, level)) {
          return Status::Corruption("hnsw upper-level links invalid");
        }
      }
      const hnswlib::labeltype label = h.getExternalLabel(id);
      if (label > std::numeric_limits<Offset>::max() || !h.label_lookup_.emplace(label, id).second) {
        return Status::Corruption("hnsw labels invalid or repeated");
      }
    }
    if (n > 0) {
      if (entry >= n || max_level != h.element_levels_[entry]) {
        return Status::Corruption("hnsw entry point invalid");
      }
      h.enterpoint_node_ = entry;
      h.maxlevel_ = max_level;
    }
    if (spec.codes == Codes::kSq8) {
      Sq8Ranges& r = index->graph_->sq8;
      r.lo.resize(dim);
      r.step.resize(dim);
      RETURN_IF_ERROR(in.Read(r.lo.data(), dim * sizeof(float)));
      RETURN_IF_ERROR(in.Read(r.step.data(), dim * sizeof(float)));
      index->graph_->EncodeAll(dim, spec.quantile, /*train=*/false);
    }
  } catch (const std::exception& e) {
    return Status::Internal(std::string("hnswlib load: ") + e.what());
  }
  return index;
}

void HnswIndex::ForEachOffset(const std::function<void(Offset)>& fn) const {
  const auto& h = *graph_->hnsw;
  for (NodeId id = 0; id < h.cur_element_count; ++id) fn(static_cast<Offset>(h.getExternalLabel(id)));
}

size_t HnswIndex::size() const { return graph_->hnsw->cur_element_count; }

size_t HnswIndex::MemoryBytes() const {
  const auto& h = *graph_->hnsw;
  size_t bytes = h.max_elements_ * h.size_data_per_element_;
  for (size_t i = 0; i < h.cur_element_count; ++i) {
    bytes += h.size_links_per_element_ * h.element_levels_[i];
  }
  bytes += h.label_lookup_.size() * (sizeof(size_t) + sizeof(NodeId) + 16);
  bytes += graph_->codes.capacity() + graph_->code_norms.capacity() * sizeof(float);
  return bytes;
}

}  // namespace sextant
