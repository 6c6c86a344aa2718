// Collection write path: validate, commit to the store (durable), apply to memory.
#include <cmath>
#include <unordered_map>

#include "core/collection.h"
#include "core/vector_checks.h"
#include "storage/collection_store.h"

namespace sextant {

Result<SeqNo> Collection::Upsert(std::vector<PointInput> points) {
  if (points.empty()) return Status::InvalidArgument("Empty batch: no points to upsert");
  // Later duplicates win: keep the last occurrence of each id, in first-seen order.
  {
    std::unordered_map<PointId, size_t, PointIdHash> last;
    for (size_t i = 0; i < points.size(); ++i) last[points[i].id] = i;
    if (last.size() != points.size()) {
      std::vector<PointInput> unique;
      unique.reserve(last.size());
      for (size_t i = 0; i < points.size(); ++i) {
        if (last[points[i].id] == i) unique.push_back(std::move(points[i]));
      }
      points = std::move(unique);
    }
  }
  for (PointInput& p : points) {
    RETURN_IF_ERROR(CheckVector(p.vector, config_.dim));
    if (config_.metric == Metric::kCosine) NormalizeInPlace(p.vector);
  }
  std::vector<PointWrite> writes;
  writes.reserve(points.size());
  for (const PointInput& p : points) writes.push_back({p.id, p.vector, p.payload});

  std::lock_guard<std::mutex> lock(write_mu_);
  if (dropped_) return Status::NotFound("Collection `" + name_ + "` doesn't exist!");
  const SeqNo seq = last_seq_ + 1;
  RETURN_IF_ERROR(store_->Write(writes, {}, seq));
  RETURN_IF_ERROR(ApplyUpserts(points, seq));
  last_seq_ = seq;
  return seq;
}

Result<SeqNo> Collection::Delete(std::span<const PointId> ids) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (dropped_) return Status::NotFound("Collection `" + name_ + "` doesn't exist!");
  const SeqNo seq = last_seq_ + 1;
  RETURN_IF_ERROR(store_->Write({}, ids, seq));
  for (const PointId& id : ids) ApplyDelete(id);
  last_seq_ = seq;
  return seq;
}

Status Collection::ApplyUpserts(std::span<const PointInput> points, SeqNo seq) {
  const size_t dim = config_.dim;
  const size_t threshold = config_.optimizer.IndexingThresholdPoints(dim);
  std::vector<Offset> offsets;
  std::vector<float> rows;
  size_t i = 0;
  while (i < points.size()) {
    // Fill the growing segment up to the indexing threshold, then rotate.
    const size_t room = threshold == SIZE_MAX
                            ? points.size() - i
                            : (threshold > growing_->index().size() ? threshold - growing_->index().size() : 0);
    const size_t n = std::min(points.size() - i, std::max<size_t>(room, 1));
    offsets.clear();
    rows.clear();
    rows.reserve(n * dim);
    for (size_t j = i; j < i + n; ++j) {
      const Offset off = next_offset_++;
      offset_info_.Set(off, OffsetInfo{points[j].id, seq});
      offsets.push_back(off);
      rows.insert(rows.end(), points[j].vector.begin(), points[j].vector.end());
    }
    Status s = growing_->index().Add(offsets, MatrixView(rows.data(), n, dim));
    if (s.code() == Status::Code::kBusy) {  // the flat index is at capacity
      RotateGrowingSegmentIfFull();
      next_offset_ -= static_cast<Offset>(n);  // offsets not used; reassign them
      continue;
    }
    RETURN_IF_ERROR(s);
    {
      std::unique_lock<std::shared_mutex> ids_lock(ids_mu_);
      for (size_t j = 0; j < n; ++j) {
        auto [it, inserted] = id_to_offset_.try_emplace(points[i + j].id, offsets[j]);
        if (!inserted) {
          deleted_.Set(it->second);
          it->second = offsets[j];
        }
      }
    }
    i += n;
    if (growing_->index().size() >= threshold) RotateGrowingSegmentIfFull();
  }
  return Status::OK();
}

void Collection::ApplyDelete(const PointId& id) {
  std::unique_lock<std::shared_mutex> lock(ids_mu_);
  auto it = id_to_offset_.find(id);
  if (it == id_to_offset_.end()) return;
  deleted_.Set(it->second);
  id_to_offset_.erase(it);
}

void Collection::RotateGrowingSegmentIfFull() {
  if (growing_->index().size() == 0) return;
  growing_->Freeze();
  auto fresh = NewGrowingSegment();
  {
    std::unique_lock<std::shared_mutex> lock(segments_mu_);
    segments_.push_back(fresh);
  }
  growing_ = fresh;
  Schedule();
}

}  // namespace sextant
