#include "index/flat_index.h"

#include <algorithm>
#include <cstring>

#include "index/top_k.h"

namespace sextant {

FlatIndex::FlatIndex(size_t dim, Metric metric, size_t capacity)
    : dim_(dim),
      metric_(metric),
      capacity_(capacity),
      distance_(metric, dim),
      chunks_((capacity + kChunkRows - 1) / kChunkRows) {}

FlatIndex::~FlatIndex() {
  for (auto& c : chunks_) delete c.load(std::memory_order_relaxed);
}

Status FlatIndex::Add(std::span<const Offset> offsets, MatrixView rows) {
  if (rows.dim() != dim_) return Status::InvalidArgument("dimension mismatch");
  if (offsets.size() != rows.rows()) return Status::InvalidArgument("offsets and rows differ in count");
  size_t n = count_.load(std::memory_order_relaxed);
  if (n + rows.rows() > capacity_) return Status::Busy("flat index is full");
  for (size_t i = 0; i < rows.rows(); ++i, ++n) {
    Chunk* chunk = chunks_[n / kChunkRows].load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = new Chunk(dim_);
      // Readers only look at chunks below the published count, so relaxed suffices
      // here; the release store of count_ below publishes the chunk too.
      chunks_[n / kChunkRows].store(chunk, std::memory_order_relaxed);
    }
    const size_t r = n % kChunkRows;
    std::memcpy(chunk->vectors.data() + r * dim_, rows.row(i), dim_ * sizeof(float));
    chunk->offsets[r] = offsets[i];
  }
  count_.store(n, std::memory_order_release);
  return Status::OK();
}

const float* FlatIndex::Row(size_t row) const {
  const Chunk* c = chunks_[row / kChunkRows].load(std::memory_order_relaxed);
  return c->vectors.data() + (row % kChunkRows) * dim_;
}

Offset FlatIndex::OffsetAt(size_t row) const {
  const Chunk* c = chunks_[row / kChunkRows].load(std::memory_order_relaxed);
  return c->offsets[row % kChunkRows];
}

Result<std::vector<Hit>> FlatIndex::Search(VectorView query, const SearchParams& params) const {
  if (query.size() != dim_) return Status::InvalidArgument("query dimension mismatch");
  const size_t n = count_.load(std::memory_order_acquire);
  TopK top(params.k);
  for (size_t base = 0; base < n; base += kChunkRows) {
    const Chunk* c = chunks_[base / kChunkRows].load(std::memory_order_relaxed);
    const size_t rows = std::min(kChunkRows, n - base);
    for (size_t r = 0; r < rows; ++r) {
      const Offset off = c->offsets[r];
      if (params.filter != nullptr && !params.filter->Accepts(off)) continue;
      top.Push(off, distance_(query.data(), c->vectors.data() + r * dim_));
    }
  }
  return top.Take();
}

Result<std::unique_ptr<Index>> FlatIndex::CloneWithCapacity(size_t capacity) const {
  const size_t n = size();
  if (capacity < n) return Status::InvalidArgument("capacity below current size");
  auto copy = std::make_unique<FlatIndex>(dim_, metric_, capacity);
  for (size_t base = 0; base < n; base += kChunkRows) {
    const Chunk* c = chunks_[base / kChunkRows].load(std::memory_order_relaxed);
    const size_t rows = std::min(kChunkRows, n - base);
    RETURN_IF_ERROR(copy->Add(std::span<const Offset>(c->offsets.data(), rows),
                              MatrixView(c->vectors.data(), rows, dim_)));
  }
  return std::unique_ptr<Index>(std::move(copy));
}

std::vector<Hit> FlatIndex::SearchAmong(VectorView query, std::span<const Offset> candidates, size_t k,
                                        const OffsetFilter* filter) const {
  TopK top(k);
  for (Offset off : candidates) {
    if (filter != nullptr && !filter->Accepts(off)) continue;
    if (const float* v = Vector(off)) top.Push(off, distance_(query.data(), v));
  }
  return top.Take();
}

const float* FlatIndex::Vector(Offset offset) const {
  size_t lo = 0, hi = size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const Offset at = OffsetAt(mid);
    if (at == offset) return Row(mid);
    if (at < offset) lo = mid + 1; else hi = mid;
  }
  return nullptr;
}

void FlatIndex::ForEachOffset(const std::function<void(Offset)>& fn) const {
  const size_t n = size();
  for (size_t row = 0; row < n; ++row) fn(OffsetAt(row));
}

// Format: u32 version (1), u64 rows, u64 dim, then per row u32 offset and dim
// float32s, in row order.
Status FlatIndex::Save(ByteWriter& out) const {
  const size_t n = size();
  RETURN_IF_ERROR(WriteValue(out, uint32_t{1}));
  RETURN_IF_ERROR(WriteValue(out, uint64_t{n}));
  RETURN_IF_ERROR(WriteValue(out, uint64_t{dim_}));
  for (size_t row = 0; row < n; ++row) {
    RETURN_IF_ERROR(WriteValue(out, OffsetAt(row)));
    RETURN_IF_ERROR(out.Write(Row(row), dim_ * sizeof(float)));
  }
  return Status::OK();
}

Result<std::unique_ptr<FlatIndex>> FlatIndex::Load(size_t dim, Metric metric, ByteReader& in) {
  uint32_t version = 0;
  uint64_t n = 0, stored_dim = 0;
  RETURN_IF_ERROR(ReadValue(in, &version));
  RETURN_IF_ERROR(ReadValue(in, &n));
  RETURN_IF_ERROR(ReadValue(in, &stored_dim));
  if (version != 1) return Status::Corruption("flat index format " + std::to_string(version) + " unknown");
  if (stored_dim != dim) return Status::Corruption("flat index of another dimension");
  if (n > in.remaining() / (dim * sizeof(float) + sizeof(Offset))) {
    return Status::Corruption("flat index row count larger than the data holds");
  }
  auto index = std::make_unique<FlatIndex>(dim, metric, std::max<size_t>(n, kDefaultCapacity));
  std::vector<float> row(dim);
  Offset previous = 0;
  for (uint64_t r = 0; r < n; ++r) {
    Offset offset = 0;
    RETURN_IF_ERROR(ReadValue(in, &offset));
    RETURN_IF_ERROR(in.Read(row.data(), dim * sizeof(float)));
    if (r > 0 && offset <= previous) return Status::Corruption("flat index offsets out of order");
    previous = offset;
    RETURN_IF_ERROR(index->Add(std::span<const Offset>(&offset, 1), MatrixView(row.data(), 1, dim)));
  }
  return index;
}

size_t FlatIndex::MemoryBytes() const {
  const size_t chunks = (size() + kChunkRows - 1) / kChunkRows;
  return chunks * kChunkRows * (dim_ * sizeof(float) + sizeof(Offset)) +
         chunks_.size() * sizeof(void*);
}

}  // namespace sextant
