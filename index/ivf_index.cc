#include "index/ivf_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "index/ivf_training.h"
#include "index/quantized_kernels.h"
#include "index/sq8_codes.h"
#include "index/top_k.h"

namespace sextant {

namespace {

constexpr uint32_t kIvfFormat = 1;
constexpr size_t kMaxLists = 65536;
constexpr size_t kPointsPerList = 39;       // FAISS's minimum for stable k-means
constexpr size_t kMinAutoLists = 16;        // below this, a scan of everything is as fast
constexpr size_t kMinPqTrainingPoints = 1024;
constexpr size_t kPqSampleRows = 65536;     // rows the PQ codebooks are trained on

uint32_t CodesCode(Codes codes) { return static_cast<uint32_t>(codes); }

}  // namespace

IvfIndex::IvfIndex(size_t dim, Metric metric, const IndexSpec& spec)
    : dim_(dim), metric_(metric), spec_(spec), distance_(metric, dim) {}

IvfIndex::~IvfIndex() = default;

Result<std::unique_ptr<IvfIndex>> IvfIndex::Create(size_t dim, Metric metric, const IndexSpec& spec) {
  if (dim == 0) return Status::InvalidArgument("dimension must be positive");
  if (spec.kind != IndexSpec::Kind::kIvf) return Status::InvalidArgument("not an IVF spec");
  if (spec.nlist > kMaxLists) return Status::InvalidArgument("ivf nlist must be at most 65536");
  if (spec.codes != Codes::kNone && metric == Metric::kManhattan) {
    return Status::InvalidArgument("ivf codes support Cosine, Dot and Euclid only");
  }
  std::unique_ptr<IvfIndex> index(new IvfIndex(dim, metric, spec));
  if (spec.codes == Codes::kPq) {
    index->pq_m_ = PqSubquantizers(spec, dim);
    if (index->pq_m_ == 0 || dim % index->pq_m_ != 0) {
      return Status::InvalidArgument("ivf pq_m must divide the dimension");
    }
    index->code_size_ = index->pq_m_;
  } else if (spec.codes == Codes::kSq8) {
    index->code_size_ = dim;
  }
  return index;
}

size_t IvfIndex::ListsFor(const IndexSpec& spec, size_t n) {
  if (spec.nlist != 0) return spec.nlist;
  const double by_sqrt = 4.0 * std::sqrt(static_cast<double>(n));
  const double by_points = static_cast<double>(n) / kPointsPerList;
  return std::clamp<size_t>(static_cast<size_t>(std::min(by_sqrt, by_points)), 1, kMaxLists);
}

size_t IvfIndex::MinTrainingPoints(const IndexSpec& spec) {
  size_t points = kPointsPerList * (spec.nlist != 0 ? spec.nlist : kMinAutoLists);
  if (spec.codes == Codes::kPq) points = std::max(points, kMinPqTrainingPoints);
  return points;
}

size_t IvfIndex::PqSubquantizers(const IndexSpec& spec, size_t dim) {
  if (spec.pq_m != 0) return spec.pq_m;
  // Sub-vectors of 4 dimensions (a byte per 4 floats: 16x smaller than the
  // floats) where the dimension allows; else the nearest size that divides it,
  // the smaller one on a tie (finer codes).
  size_t best = dim;
  double best_gap = std::numeric_limits<double>::max();
  for (size_t m = dim; m >= 1; --m) {
    if (dim % m != 0) continue;
    const double gap = std::fabs(static_cast<double>(dim / m) - 4.0);
    if (gap < best_gap) {
      best_gap = gap;
      best = m;
    }
  }
  return best;
}

size_t IvfIndex::default_nprobe() const {
  if (!trained()) return 1;
  const size_t nprobe = spec_.nprobe != 0 ? spec_.nprobe : (lists_.size() + 7) / 8;
  return std::clamp<size_t>(nprobe, 1, lists_.size());
}

size_t IvfIndex::ScannedBytesPerVector() const {
  return spec_.codes == Codes::kNone ? dim_ * sizeof(float) : code_size_;
}

float IvfIndex::CoarseDistance(const float* query, size_t c) const {
  const float* centroid = centroids_.data() + c * dim_;
  const DistanceKernels& k = ActiveKernels();
  return inner_product() ? -k.dot(query, centroid, dim_) : k.l2_sqr(query, centroid, dim_);
}

Status IvfIndex::EncodeInto(List& list, const float* row, uint32_t list_id) {
  if (spec_.codes == Codes::kSq8) {
    list.codes.resize(list.codes.size() + dim_);
    EncodeSq8(row, sq8_, list.codes.data() + list.codes.size() - dim_);
  } else if (spec_.codes == Codes::kPq) {
    std::vector<float> residual(dim_);
    const float* centroid = centroids_.data() + size_t{list_id} * dim_;
    for (size_t d = 0; d < dim_; ++d) residual[d] = row[d] - centroid[d];
    return EncodePq(MatrixView(residual.data(), 1, dim_), pq_m_, pq_codebooks_, &list.codes);
  }
  return Status::OK();
}

Status IvfIndex::Add(std::span<const Offset> offsets, MatrixView rows) {
  if (rows.dim() != dim_) return Status::InvalidArgument("dimension mismatch");
  if (offsets.size() != rows.rows()) return Status::InvalidArgument("offsets and rows differ in count");
  if (rows.rows() == 0) return Status::OK();
  const size_t total = count_ + rows.rows();
  if (total > std::numeric_limits<uint32_t>::max()) return Status::InvalidArgument("ivf index too large");
  Status s;
  if (!trained()) {
    if (total >= MinTrainingPoints(spec_)) {
      s = Rebuild(offsets, rows);
    } else {
      // Too few points for lists: one list, searched exactly.
      if (lists_.empty()) lists_.emplace_back();
      List& list = lists_[0];
      list.offsets.insert(list.offsets.end(), offsets.begin(), offsets.end());
      list.vectors.insert(list.vectors.end(), rows.data(), rows.data() + rows.rows() * dim_);
      count_ = total;
    }
  } else if (total >= 2 * trained_size_) {
    s = Rebuild(offsets, rows);
  } else {
    s = AddTrained(offsets, rows);
  }
  RebuildLocations();
  return s;
}

Status IvfIndex::AddTrained(std::span<const Offset> offsets, MatrixView rows) {
  ASSIGN_OR_RETURN(const std::vector<uint32_t> assigned,
                   AssignToCentroids(rows, centroids_, lists_.size(), inner_product(), spec_.build_threads));
  for (size_t i = 0; i < rows.rows(); ++i) {
    List& list = lists_[assigned[i]];
    list.offsets.push_back(offsets[i]);
    list.vectors.insert(list.vectors.end(), rows.row(i), rows.row(i) + dim_);
    RETURN_IF_ERROR(EncodeInto(list, rows.row(i), assigned[i]));
  }
  count_ += rows.rows();
  return Status::OK();
}

Status IvfIndex::Rebuild(std::span<const Offset> offsets, MatrixView rows) {
  // Everything held plus the new rows, as one matrix.
  std::vector<Offset> all_offsets;
  std::vector<float> all_rows;
  all_offsets.reserve(count_ + rows.rows());
  all_rows.reserve((count_ + rows.rows()) * dim_);
  for (const List& list : lists_) {
    all_offsets.insert(all_offsets.end(), list.offsets.begin(), list.offsets.end());
    all_rows.insert(all_rows.end(), list.vectors.begin(), list.vectors.end());
  }
  all_offsets.insert(all_offsets.end(), offsets.begin(), offsets.end());
  all_rows.insert(all_rows.end(), rows.data(), rows.data() + rows.rows() * dim_);
  const size_t n = all_offsets.size();
  const MatrixView all(all_rows.data(), n, dim_);

  const size_t nlist = std::min(ListsFor(spec_, n), n);
  ASSIGN_OR_RETURN(std::vector<float> centroids,
                   TrainCentroids(all, nlist, metric_ == Metric::kCosine, inner_product(), spec_.seed,
                                  spec_.build_threads));
  ASSIGN_OR_RETURN(const std::vector<uint32_t> assigned,
                   AssignToCentroids(all, centroids, nlist, inner_product(), spec_.build_threads));
  centroids_ = std::move(centroids);

  if (spec_.codes == Codes::kSq8) {
    sq8_ = TrainSq8Ranges(all, spec_.quantile);
  } else if (spec_.codes == Codes::kPq) {
    // Codebooks of residuals: each vector minus its list's centroid.
    const size_t stride = std::max<size_t>(1, (n + kPqSampleRows - 1) / kPqSampleRows);
    std::vector<float> residuals;
    size_t sampled = 0;
    for (size_t i = 0; i < n; i += stride, ++sampled) {
      const float* centroid = centroids_.data() + size_t{assigned[i]} * dim_;
      for (size_t d = 0; d < dim_; ++d) residuals.push_back(all.row(i)[d] - centroid[d]);
    }
    ASSIGN_OR_RETURN(pq_codebooks_, TrainPqCodebooks(MatrixView(residuals.data(), sampled, dim_), pq_m_,
                                                     spec_.seed, spec_.build_threads));
    PreparePqTables();
  }

  std::vector<List> lists(nlist);
  std::vector<size_t> sizes(nlist, 0);
  for (uint32_t a : assigned) ++sizes[a];
  for (size_t l = 0; l < nlist; ++l) {
    lists[l].offsets.reserve(sizes[l]);
    lists[l].vectors.reserve(sizes[l] * dim_);
    lists[l].codes.reserve(sizes[l] * code_size_);
  }
  lists_ = std::move(lists);
  if (spec_.codes == Codes::kPq) {
    // Encode list by list in one batch each (FAISS's encoder is blocked).
    std::vector<std::vector<float>> residuals(nlist);
    for (size_t i = 0; i < n; ++i) {
      List& list = lists_[assigned[i]];
      list.offsets.push_back(all_offsets[i]);
      list.vectors.insert(list.vectors.end(), all.row(i), all.row(i) + dim_);
      const float* centroid = centroids_.data() + size_t{assigned[i]} * dim_;
      for (size_t d = 0; d < dim_; ++d) residuals[assigned[i]].push_back(all.row(i)[d] - centroid[d]);
    }
    for (size_t l = 0; l < nlist; ++l) {
      RETURN_IF_ERROR(EncodePq(MatrixView(residuals[l].data(), lists_[l].offsets.size(), dim_), pq_m_,
                               pq_codebooks_, &lists_[l].codes));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      List& list = lists_[assigned[i]];
      list.offsets.push_back(all_offsets[i]);
      list.vectors.insert(list.vectors.end(), all.row(i), all.row(i) + dim_);
      RETURN_IF_ERROR(EncodeInto(list, all.row(i), assigned[i]));
    }
  }
  count_ = n;
  trained_size_ = n;
  return Status::OK();
}

void IvfIndex::RebuildLocations() {
  locations_.clear();
  locations_.reserve(count_);
  for (uint32_t l = 0; l < lists_.size(); ++l) {
    for (uint32_t p = 0; p < lists_[l].offsets.size(); ++p) locations_.push_back({lists_[l].offsets[p], l, p});
  }
  std::sort(locations_.begin(), locations_.end(),
            [](const Location& a, const Location& b) { return a.offset < b.offset; });
}

const IvfIndex::Location* IvfIndex::Find(Offset offset) const {
  auto it = std::lower_bound(locations_.begin(), locations_.end(), offset,
                             [](const Location& l, Offset o) { return l.offset < o; });
  return it != locations_.end() && it->offset == offset ? &*it : nullptr;
}

const float* IvfIndex::Vector(Offset offset) const {
  const Location* at = Find(offset);
  return at == nullptr ? nullptr : lists_[at->list].vectors.data() + size_t{at->pos} * dim_;
}

void IvfIndex::ForEachOffset(const std::function<void(Offset)>& fn) const {
  for (const List& list : lists_) {
    for (Offset o : list.offsets) fn(o);
  }
}

std::vector<Hit> IvfIndex::SearchExact(const float* query, const SearchParams& params) const {
  TopK top(params.k);
  for (const List& list : lists_) {
    for (size_t i = 0; i < list.offsets.size(); ++i) {
      if (params.filter != nullptr && !params.filter->Accepts(list.offsets[i])) continue;
      top.Push(list.offsets[i], distance_(query, list.vectors.data() + i * dim_));
    }
  }
  return top.Take();
}

void IvfIndex::PreparePqTables() {
  const size_t dsub = dim_ / pq_m_;
  pq_books_by_dim_.assign(pq_m_ * dsub * 256, 0.0f);
  pq_norms_.assign(pq_m_ * 256, 0.0f);
  for (size_t j = 0; j < pq_m_; ++j) {
    for (size_t k = 0; k < 256; ++k) {
      const float* y = pq_codebooks_.data() + (j * 256 + k) * dsub;
      for (size_t t = 0; t < dsub; ++t) {
        pq_books_by_dim_[(j * dsub + t) * 256 + k] = y[t];
        pq_norms_[j * 256 + k] += y[t] * y[t];
      }
    }
  }
}

void IvfIndex::FillPqTables(const float* target, bool dot, std::vector<float>* tables) const {
  tables->resize(pq_m_ * 256);
  ActiveQuantizedKernels().pq_tables(target, pq_books_by_dim_.data(), dot ? nullptr : pq_norms_.data(), pq_m_,
                                     dim_ / pq_m_, tables->data());
}

Result<std::vector<Hit>> IvfIndex::Search(VectorView query, const SearchParams& params) const {
  if (query.size() != dim_) return Status::InvalidArgument("query dimension mismatch");
  if (count_ == 0 || params.k == 0) return std::vector<Hit>{};
  const float* q = query.data();
  if (params.exact || !trained()) return SearchExact(q, params);

  // How many lists: the search's or the index's default, widened like an
  // HNSW beam when a filter accepts few points (core/filter_planner.h).
  const size_t nlist = lists_.size();
  size_t nprobe = params.nprobe != 0 ? params.nprobe : default_nprobe();
  if (params.filter != nullptr && params.selectivity < 0.5) {
    const double widen = std::min(8.0, 1.0 / std::sqrt(std::max(params.selectivity, 1e-9)));
    nprobe = static_cast<size_t>(std::ceil(static_cast<double>(nprobe) * widen));
  }
  nprobe = std::clamp<size_t>(nprobe, 1, nlist);

  thread_local std::vector<std::pair<float, uint32_t>> order;
  order.resize(nlist);
  for (uint32_t c = 0; c < nlist; ++c) order[c] = {CoarseDistance(q, c), c};
  // The nprobe nearest first; a filtered search that holds too few after
  // them goes on to the rest, sorted only then.
  std::partial_sort(order.begin(), order.begin() + nprobe, order.end());

  const bool coded = spec_.codes != Codes::kNone && !params.ignore_codes;
  size_t wanted = params.k;
  if (coded && params.rescore) {
    const double oversampling = params.oversampling > 0 ? std::max(params.oversampling, 1.0)
                                : spec_.codes == Codes::kPq ? kPqOversampling
                                                            : kSq8Oversampling;
    wanted = static_cast<size_t>(std::ceil(static_cast<double>(params.k) * oversampling));
  }
  TopK top(wanted);
  size_t accepted = 0;

  // Per-query tables for the coded scans.
  const QuantizedKernels& qk = ActiveQuantizedKernels();
  thread_local std::vector<float> weights, tables, residual, adc;
  float weights_bias = 0.0f;
  if (coded && spec_.codes == Codes::kSq8 && inner_product()) {
    // dot(q, lo + step*code) = dot(q, lo) + sum (q*step) * code
    weights.resize(dim_);
    weights_bias = 0.0f;
    for (size_t d = 0; d < dim_; ++d) {
      weights[d] = q[d] * sq8_.step[d];
      weights_bias += q[d] * sq8_.lo[d];
    }
  }
  if (coded && spec_.codes == Codes::kPq && inner_product()) FillPqTables(q, /*dot=*/true, &tables);

  for (size_t i = 0; i < nlist; ++i) {
    if (i >= nprobe) {
      if (params.filter == nullptr || accepted >= wanted) break;
      if (i == nprobe) std::sort(order.begin() + nprobe, order.end());
    }
    const uint32_t l = order[i].second;
    const List& list = lists_[l];
    const size_t n = list.offsets.size();
    if (n == 0) continue;
    auto accepts = [&](size_t e) {
      return params.filter == nullptr || params.filter->Accepts(list.offsets[e]);
    };
    if (!coded) {
      for (size_t e = 0; e < n; ++e) {
        if (!accepts(e)) continue;
        ++accepted;
        top.Push(list.offsets[e], distance_(q, list.vectors.data() + e * dim_));
      }
    } else if (spec_.codes == Codes::kSq8) {
      const uint8_t* codes = list.codes.data();
      for (size_t e = 0; e < n; ++e) {
        if (!accepts(e)) continue;
        ++accepted;
        const uint8_t* code = codes + e * dim_;
        const float d = inner_product()
                            ? 1.0f - (weights_bias + qk.sq8_weighted_sum(weights.data(), code, dim_))
                            : qk.sq8_l2_sqr(q, code, sq8_.lo.data(), sq8_.step.data(), dim_);
        top.Push(list.offsets[e], d);
      }
    } else {  // kPq
      // The codes hold the residual r = x - c. Cosine/Dot: q.x = q.c + q.r
      // (q.c is minus the coarse distance). Euclid: |q - x|^2 = |q - c|^2 (the
      // coarse distance) + sum over sub-vectors of |y|^2 - 2 (q - c).y.
      const float bias = inner_product() ? -order[i].first : order[i].first;
      if (!inner_product()) {
        residual.resize(dim_);
        const float* centroid = centroids_.data() + size_t{l} * dim_;
        for (size_t d = 0; d < dim_; ++d) residual[d] = q[d] - centroid[d];
        FillPqTables(residual.data(), /*dot=*/false, &tables);
      }
      adc.resize(n);
      qk.pq_adc_batch(tables.data(), list.codes.data(), n, pq_m_, adc.data());
      for (size_t e = 0; e < n; ++e) {
        if (!accepts(e)) continue;
        ++accepted;
        top.Push(list.offsets[e], inner_product() ? 1.0f - (bias + adc[e]) : bias + adc[e]);
      }
    }
  }

  std::vector<Hit> hits = top.Take();
  if (coded && params.rescore) {
    TopK exact(params.k);
    for (const Hit& h : hits) exact.Push(h.offset, distance_(q, Vector(h.offset)));
    return exact.Take();
  }
  if (hits.size() > params.k) hits.resize(params.k);
  return hits;
}

std::vector<Hit> IvfIndex::SearchAmong(VectorView query, std::span<const Offset> candidates, size_t k,
                                       const OffsetFilter* filter) const {
  TopK top(k);
  for (Offset off : candidates) {
    if (filter != nullptr && !filter->Accepts(off)) continue;
    if (const float* v = Vector(off)) top.Push(off, distance_(query.data(), v));
  }
  return top.Take();
}

Result<std::unique_ptr<Index>> IvfIndex::CloneWithCapacity(size_t capacity) const {
  if (capacity < count_) return Status::InvalidArgument("capacity below current size");
  std::unique_ptr<IvfIndex> copy(new IvfIndex(dim_, metric_, spec_));
  copy->code_size_ = code_size_;
  copy->pq_m_ = pq_m_;
  copy->centroids_ = centroids_;
  copy->lists_ = lists_;
  copy->sq8_ = sq8_;
  copy->pq_codebooks_ = pq_codebooks_;
  copy->pq_books_by_dim_ = pq_books_by_dim_;
  copy->pq_norms_ = pq_norms_;
  copy->locations_ = locations_;
  copy->count_ = count_;
  copy->trained_size_ = trained_size_;
  return std::unique_ptr<Index>(std::move(copy));
}

size_t IvfIndex::MemoryBytes() const {
  size_t bytes = centroids_.capacity() * sizeof(float) + locations_.capacity() * sizeof(Location) +
                 (sq8_.lo.capacity() + sq8_.step.capacity() + pq_codebooks_.capacity() +
                  pq_books_by_dim_.capacity() + pq_norms_.capacity()) * sizeof(float);
  for (const List& list : lists_) {
    bytes += sizeof(List) + list.offsets.capacity() * sizeof(Offset) +
             list.vectors.capacity() * sizeof(float) + list.codes.capacity();
  }
  return bytes;
}

// Format 1: u32 version, u32 codes, u64 list count, u64 pq_m, u64 count,
// u64 trained_size, u8 trained; if trained: centroids (lists x dim f32);
// kSq8: lo, step (dim f32 each); kPq: codebooks (pq_m x 256 x dim/pq_m f32);
// then per list: u64 n, n offsets (u32), n x dim f32, n x code_size bytes.
Status IvfIndex::Save(ByteWriter& out) const {
  RETURN_IF_ERROR(WriteValue(out, kIvfFormat));
  RETURN_IF_ERROR(WriteValue(out, CodesCode(spec_.codes)));
  RETURN_IF_ERROR(WriteValue(out, uint64_t{lists_.size()}));
  RETURN_IF_ERROR(WriteValue(out, uint64_t{pq_m_}));
  RETURN_IF_ERROR(WriteValue(out, uint64_t{count_}));
  RETURN_IF_ERROR(WriteValue(out, uint64_t{trained_size_}));
  RETURN_IF_ERROR(WriteValue(out, static_cast<uint8_t>(trained() ? 1 : 0)));
  auto write_floats = [&](const std::vector<float>& v) { return out.Write(v.data(), v.size() * sizeof(float)); };
  if (trained()) {
    RETURN_IF_ERROR(write_floats(centroids_));
    if (spec_.codes == Codes::kSq8) {
      RETURN_IF_ERROR(write_floats(sq8_.lo));
      RETURN_IF_ERROR(write_floats(sq8_.step));
    } else if (spec_.codes == Codes::kPq) {
      RETURN_IF_ERROR(write_floats(pq_codebooks_));
    }
  }
  for (const List& list : lists_) {
    RETURN_IF_ERROR(WriteValue(out, uint64_t{list.offsets.size()}));
    RETURN_IF_ERROR(out.Write(list.offsets.data(), list.offsets.size() * sizeof(Offset)));
    RETURN_IF_ERROR(write_floats(list.vectors));
    RETURN_IF_ERROR(out.Write(list.codes.data(), list.codes.size()));
  }
  return Status::OK();
}

Result<std::unique_ptr<IvfIndex>> IvfIndex::Load(size_t dim, Metric metric, const IndexSpec& spec,
                                                 ByteReader& in) {
  ASSIGN_OR_RETURN(auto index, Create(dim, metric, spec));
  uint32_t version = 0, codes = 0;
  uint64_t nlist = 0, pq_m = 0, count = 0, trained_size = 0;
  uint8_t trained = 0;
  RETURN_IF_ERROR(ReadValue(in, &version));
  if (version != kIvfFormat) return Status::Corruption("ivf format " + std::to_string(version) + " unknown");
  RETURN_IF_ERROR(ReadValue(in, &codes));
  RETURN_IF_ERROR(ReadValue(in, &nlist));
  RETURN_IF_ERROR(ReadValue(in, &pq_m));
  RETURN_IF_ERROR(ReadValue(in, &count));
  RETURN_IF_ERROR(ReadValue(in, &trained_size));
  RETURN_IF_ERROR(ReadValue(in, &trained));
  if (codes != CodesCode(spec.codes) || pq_m != index->pq_m_) {
    return Status::Corruption("ivf codes differ from the segment's spec");
  }
  if (nlist > kMaxLists || trained > 1 || (!trained && nlist > 1) || (trained && nlist == 0)) {
    return Status::Corruption("ivf list count invalid");
  }
  if (count > std::numeric_limits<uint32_t>::max()) return Status::Corruption("ivf count invalid");
  auto read_floats = [&](std::vector<float>* v, uint64_t n) -> Status {
    if (n > in.remaining() / sizeof(float)) return Status::Corruption("ivf data truncated");
    v->resize(n);
    return in.Read(v->data(), n * sizeof(float));
  };
  if (trained) {
    RETURN_IF_ERROR(read_floats(&index->centroids_, nlist * dim));
    if (spec.codes == Codes::kSq8) {
      RETURN_IF_ERROR(read_floats(&index->sq8_.lo, dim));
      RETURN_IF_ERROR(read_floats(&index->sq8_.step, dim));
    } else if (spec.codes == Codes::kPq) {
      RETURN_IF_ERROR(read_floats(&index->pq_codebooks_, pq_m * 256 * (dim / pq_m)));
      index->PreparePqTables();
    }
  }
  const size_t code_size = trained ? index->code_size_ : 0;
  const size_t entry_bytes = sizeof(Offset) + dim * sizeof(float) + code_size;
  uint64_t total = 0;
  index->lists_.resize(nlist);
  for (List& list : index->lists_) {
    uint64_t n = 0;
    RETURN_IF_ERROR(ReadValue(in, &n));
    if (n > in.remaining() / entry_bytes) return Status::Corruption("ivf list larger than the data holds");
    total += n;
    list.offsets.resize(n);
    RETURN_IF_ERROR(in.Read(list.offsets.data(), n * sizeof(Offset)));
    RETURN_IF_ERROR(read_floats(&list.vectors, n * dim));
    list.codes.resize(n * code_size);
    RETURN_IF_ERROR(in.Read(list.codes.data(), list.codes.size()));
  }
  if (total != count) return Status::Corruption("ivf list sizes differ from the count");
  index->count_ = count;
  index->trained_size_ = trained_size;
  index->RebuildLocations();
  for (size_t i = 1; i < index->locations_.size(); ++i) {
    if (index->locations_[i].offset == index->locations_[i - 1].offset) {
      return Status::Corruption("ivf offsets repeated");
    }
  }
  // Codes only index 256-entry tables and per-dimension ranges of the right
  // size (checked above), so any byte values are safe to search.
  return index;
}

}  // namespace sextant
