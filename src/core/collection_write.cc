// Collection write path: validate; then, in write order, give the write its
// sequence number and offsets and append it to the store; wait until it is
// durable (sharing the fsync with concurrent writers); apply it to memory in
// sequence order. A write becomes visible only once it is durable.
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
  // Drift statistics see the vectors as stored and their norms as sent (a
  // Cosine collection stores unit vectors: the norm is what shows a scaled
  // or zero vector).
  const bool watch = drift_->enabled();
  std::vector<float> drift_rows, drift_norms;
  if (watch) {
    drift_rows.reserve(points.size() * config_.dim);
    drift_norms.reserve(points.size());
  }
  for (PointInput& p : points) {
    Status valid = CheckVector(p.vector, config_.dim);
    if (!valid.ok()) {
      if (p.vector.size() == config_.dim) drift_->NoteNonFinite(1);  // the right size: NaN or infinity
      return valid;
    }
    if (watch) drift_norms.push_back(static_cast<float>(std::sqrt(SquaredNorm(p.vector))));
    if (config_.metric == Metric::kCosine) NormalizeInPlace(p.vector);
    if (watch) drift_rows.insert(drift_rows.end(), p.vector.begin(), p.vector.end());
  }
  PendingWrite write;
  write.upserts = std::move(points);
  ASSIGN_OR_RETURN(SeqNo seq, Commit(std::move(write)));
  if (watch) ObserveDrift(std::move(drift_rows), std::move(drift_norms));
  return seq;
}

Result<SeqNo> Collection::Delete(std::span<const PointId> ids) {
  PendingWrite write;
  write.deletes.assign(ids.begin(), ids.end());
  return Commit(std::move(write));
}

Result<SeqNo> Collection::Commit(PendingWrite write) { return Commit(std::move(write), nullptr); }

Result<SeqNo> Collection::Commit(PendingWrite write, const std::function<Status(PendingWrite*)>& prepare) {
  WriteTicket ticket = 0;
  SeqNo seq = 0;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (dropped_) return Status::NotFound("Collection `" + name_ + "` doesn't exist!");
    if (prepare) {
      RETURN_IF_ERROR(prepare(&write));
      if (write.upserts.empty() && write.deletes.empty()) return last_seq_.load();
    }
    seq = last_seq_ + 1;
    const Offset first_offset = next_offset_;
    if (write.upserts.size() > kNoOffset - first_offset) {
      return Status::Internal("collection `" + name_ + "` has used all 2^32 point offsets");
    }
    std::vector<PointWrite> rows;
    rows.reserve(write.upserts.size());
    write.offsets.resize(write.upserts.size());
    for (size_t i = 0; i < write.upserts.size(); ++i) {
      write.offsets[i] = first_offset + static_cast<Offset>(i);
      const PointInput& p = write.upserts[i];
      rows.push_back({p.id, write.offsets[i], p.vector, p.payload});
    }
    const Offset next_offset = first_offset + static_cast<Offset>(write.upserts.size());
    ASSIGN_OR_RETURN(ticket, store_->Append(WriteOp{.seq = seq,
                                                    .next_offset = next_offset,
                                                    .upserts = rows,
                                                    .deletes = write.deletes}));
    // Appended: the numbers are taken, whatever happens to the sync.
    last_seq_ = seq;
    next_offset_ = next_offset;
    write.seq = seq;
    std::lock_guard<std::mutex> apply_lock(apply_mu_);
    pending_.push_back(std::move(write));  // under write_mu_: pending_ stays in seq order
  }
  // Durable before it is applied (and so before anyone can see it). Writers
  // waiting here together share one fsync.
  RETURN_IF_ERROR(store_->Sync(ticket));
  std::lock_guard<std::mutex> apply_lock(apply_mu_);
  durable_seq_ = std::max(durable_seq_, seq);
  // Apply every durable write in order, ours included (an earlier writer may
  // still be waiting for its own sync call to return: its write is applied here).
  while (!pending_.empty() && pending_.front().seq <= durable_seq_) {
    PendingWrite& next = pending_.front();
    Status s = ApplyWrite(next);
    applied_seq_ = next.seq;
    pending_.pop_front();
    RETURN_IF_ERROR(s);  // only an index allocation failure; the write is durable
  }
  return seq;
}

Status Collection::ApplyWrite(const PendingWrite& write) {
  RETURN_IF_ERROR(ApplyUpserts(write.upserts, write.offsets, write.seq));
  for (const PointId& id : write.deletes) ApplyDelete(id);
  // Enough deletes may call for a vacuum, with no segment filling up to wake
  // the optimizer (NeedsVacuum).
  if (!write.deletes.empty() &&
      deletes_since_wake_.fetch_add(write.deletes.size()) + write.deletes.size() >= kVacuumMinVectors) {
    deletes_since_wake_.store(0);
    Schedule();
  }
  return Status::OK();
}

Result<std::optional<Collection::LatestPoint>> Collection::GetLatest(const PointId& id) {
  {
    std::lock_guard<std::mutex> apply_lock(apply_mu_);
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
      for (auto u = it->upserts.rbegin(); u != it->upserts.rend(); ++u) {
        if (u->id == id) return std::optional<LatestPoint>(LatestPoint{u->vector, u->payload});
      }
      for (const PointId& d : it->deletes) {
        if (d == id) return std::optional<LatestPoint>();
      }
    }
  }
  // Not in an unapplied write: every applied write is visible to the store's
  // readers (published before it is applied).
  ASSIGN_OR_RETURN(auto stored, store_->Get(id));
  if (!stored) return std::optional<LatestPoint>();
  return std::optional<LatestPoint>(LatestPoint{std::move(stored->vector), std::move(stored->payload)});
}

Status Collection::ApplyUpserts(std::span<const PointInput> points, std::span<const Offset> offsets,
                                SeqNo seq) {
  const size_t dim = config_.dim;
  std::vector<float> rows;
  rows.reserve(points.size() * dim);
  for (size_t i = 0; i < points.size(); ++i) {
    offset_info_.Set(offsets[i], OffsetInfo{points[i].id, seq});
    rows.insert(rows.end(), points[i].vector.begin(), points[i].vector.end());
  }
  RETURN_IF_ERROR(AppendToGrowing(offsets, MatrixView(rows.data(), points.size(), dim), seq, seq));
  if (!offsets.empty()) applied_offset_end_.store(offsets.back() + 1, std::memory_order_release);
  // The live set, the payload indexes, the id map and the tombstones change
  // together (payload_mu_ then ids_mu_, the order readers take them in): a
  // filtered read sees the old version or the new one, never both or neither.
  const std::vector<JsonValue> payloads = PayloadsToIndex(points);  // parsed outside the locks
  std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
  AddToIndexesLocked(offsets, payloads);
  std::unique_lock<std::shared_mutex> ids_lock(ids_mu_);
  for (size_t i = 0; i < points.size(); ++i) {
    auto [it, inserted] = id_to_offset_.try_emplace(points[i].id, offsets[i]);
    if (!inserted) {
      MarkDeadLocked(it->second);
      live_.remove(it->second);
      it->second = offsets[i];
    }
  }
  return Status::OK();
}

Status Collection::AppendToGrowing(std::span<const Offset> offsets, MatrixView rows, SeqNo first_seq,
                                   SeqNo last_seq) {
  const size_t dim = config_.dim;
  const size_t threshold = config().optimizer.IndexingThresholdPoints(dim);
  size_t i = 0;
  while (i < rows.rows()) {
    // Fill the growing segment up to the indexing threshold, then rotate.
    const size_t room = threshold == SIZE_MAX
                            ? rows.rows() - i
                            : (threshold > growing_->index().size() ? threshold - growing_->index().size() : 0);
    const size_t n = std::min(rows.rows() - i, std::max<size_t>(room, 1));
    Status s = growing_->index().Add(offsets.subspan(i, n), MatrixView(rows.row(i), n, dim));
    if (s.code() == Status::Code::kBusy) {  // the flat index is at capacity
      RotateGrowingSegmentIfFull();
      continue;
    }
    RETURN_IF_ERROR(s);
    growing_->NoteWrite(first_seq);
    growing_->NoteWrite(last_seq);
    i += n;
    if (growing_->index().size() >= threshold) RotateGrowingSegmentIfFull();
  }
  return Status::OK();
}

void Collection::ApplyDelete(const PointId& id) {
  std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
  std::unique_lock<std::shared_mutex> lock(ids_mu_);
  auto it = id_to_offset_.find(id);
  if (it == id_to_offset_.end()) return;
  MarkDeadLocked(it->second);
  live_.remove(it->second);
  id_to_offset_.erase(it);
}

void Collection::MarkDeadLocked(Offset offset) {
  if (!deleted_.Set(offset)) return;
  using Chunks = ChunkedArray<OffsetInfo>;
  const size_t chunk = offset >> Chunks::kChunkBits;
  if (dead_in_chunk_.size() <= chunk) dead_in_chunk_.resize(chunk + 1, 0);
  if (++dead_in_chunk_[chunk] < Chunks::kChunkSize) return;
  // No search can return these offsets any more (they are tombstoned), so
  // readers that pin after this never look them up; earlier ones may.
  if (OffsetInfo* entries = offset_info_.Unlink(chunk)) {
    read_epochs_.Retire([entries] { delete[] entries; });
  }
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
