// Collection recovery: what happens when a collection opens, and the manifest
// that makes the next open fast.
//
// Sources of truth, all in the collection's store except the segment files:
//   - the id map ("x" records): which point is live, at which offset;
//   - segment files listed in the manifest: indexed points, loaded as they are;
//   - the op log from the manifest's replay_from on: which points were
//     written since the last saved segment, and by which write;
//   - point records ("p"): the vector of every live point no valid segment
//     file holds (written since the last save, or in a damaged file or a
//     segment whose save failed).
// Every offset that is not live is a tombstone. Because each source is keyed
// by offset and nothing is applied twice, replaying is idempotent.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <unordered_map>

#include "core/collection.h"
#include "core/segment_persistence.h"
#include "storage/coding.h"
#include "storage/collection_store.h"
#include "storage/segment_file.h"

namespace sextant {

namespace fs = std::filesystem;

namespace {
constexpr const char* kSeqKey = "seq";
constexpr const char* kNextOffsetKey = "next_offset";
constexpr const char* kManifestKey = "segments";
constexpr size_t kRestoreBatch = 4096;
}  // namespace

Status Collection::Recover() {
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(auto seq, store_->GetMeta(kSeqKey));
  if (seq && seq->size() == 8) last_seq_ = DecodeFixed64(seq->data());
  ASSIGN_OR_RETURN(auto next_offset, store_->GetMeta(kNextOffsetKey));
  if (next_offset && next_offset->size() == 4) next_offset_ = DecodeFixed32(next_offset->data());
  durable_seq_ = last_seq_;
  applied_seq_ = last_seq_;

  std::error_code ec;
  fs::create_directories(segments_dir(), ec);
  if (ec) return Status::IOError("create " + segments_dir() + ": " + ec.message());
  ASSIGN_OR_RETURN(SegmentManifest manifest, StoredManifest());
  // Leftovers of a crash (a .tmp file, a file written but never listed, a file
  // replaced but not yet removed) go first, so file numbers can be reused.
  RETURN_IF_ERROR(RemoveUnlistedSegmentFiles(manifest));
  next_file_number_ = manifest.next_file_number;

  // Saved segments, as they are. A file that fails any check is left out; its
  // points come back from the store below and are indexed again.
  bool dropped_file = false;
  size_t loaded_vectors = 0;
  std::vector<std::shared_ptr<Segment>> loaded;
  std::vector<bool> held(next_offset_, false);  // offsets the loaded files hold
  for (const SegmentFileRecord& record : manifest.files) {
    auto segment = LoadSegmentFile(segments_dir(), record, config_, env_.build_threads);
    if (segment.ok()) {
      // Offsets must be ones this collection assigned, each in one file only.
      bool consistent = true;
      std::vector<Offset> mine;
      segment->index->ForEachOffset([&](Offset o) {
        if (o >= next_offset_ || held[o]) consistent = false;
        else mine.push_back(o);
      });
      if (!consistent) {
        segment = Status::Corruption("holds offsets the collection never assigned or another file holds");
      } else {
        for (Offset o : mine) held[o] = true;
      }
    }
    if (!segment.ok()) {
      const Status::Code code = segment.status().code();
      if (code != Status::Code::kCorruption && code != Status::Code::kNotFound) {
        // An I/O error or a lack of memory says nothing about the file: do not
        // drop a good file over it; fail the open instead.
        return segment.status().WithContext("load segment file " + record.name);
      }
      spdlog::error("collection {}: ignoring segment file {}: {}; its points are recovered from the store",
                    name_, record.name, segment.status().ToString());
      dropped_file = true;
      continue;
    }
    loaded_vectors += segment->index->size();
    auto s = std::make_shared<Segment>(next_segment_id_++, Segment::State::kIndexed,
                                       std::move(segment->index), segment->spec, record);
    s->SetSeqRange(segment->first_seq, segment->last_seq);
    loaded.push_back(std::move(s));
  }
  {
    std::unique_lock<std::shared_mutex> lock(segments_mu_);
    segments_.insert(segments_.begin(), loaded.begin(), loaded.end());
  }

  // The id map gives the live set; every other offset ever assigned is a tombstone.
  std::vector<bool> live(next_offset_, false);
  {
    std::unique_lock<std::shared_mutex> lock(ids_mu_);
    RETURN_IF_ERROR(store_->ForEachIdOffset([&](const PointId& id, Offset offset, SeqNo seq) -> Status {
      if (offset >= next_offset_ || live[offset]) {
        return Status::Corruption("id map holds an offset beyond the collection's next offset or twice");
      }
      live[offset] = true;
      offset_info_.Set(offset, OffsetInfo{id, seq});
      id_to_offset_.emplace_hint(id_to_offset_.end(), id, offset);
      return Status::OK();
    }));
  }
  {
    std::unique_lock<std::shared_mutex> lock(ids_mu_);
    for (Offset o = 0; o < next_offset_; ++o) {
      if (!live[o]) MarkDeadLocked(o);
    }
  }
  {
    std::unique_lock<std::shared_mutex> lock(payload_mu_);
    for (Offset o = 0; o < next_offset_; ++o) {
      if (live[o]) live_.add(o);
    }
    live_.runOptimize();
  }
  applied_offset_end_.store(next_offset_, std::memory_order_release);
  RETURN_IF_ERROR(LoadFieldIndexes());

  {
    std::lock_guard<std::mutex> apply_lock(apply_mu_);
    RETURN_IF_ERROR(RestoreUnindexedPoints(manifest.replay_from, std::move(held)));
  }
  if (dropped_file) {
    std::lock_guard<std::mutex> lock(manifest_mu_);
    RETURN_IF_ERROR(PersistManifest());  // stop listing what cannot be loaded
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("collection {}: opened in {:.2f}s: {} points, {} segment files ({} vectors) loaded, "
               "op log replayed from seq {}",
               name_, secs, Count(), loaded.size(), loaded_vectors, manifest.replay_from);
  return Status::OK();
}

Status Collection::RestoreUnindexedPoints(SeqNo replay_from, std::vector<bool> held) {
  std::unordered_map<Offset, PointId> needed;
  {
    std::shared_lock<std::shared_mutex> lock(ids_mu_);
    for (const auto& [id, offset] : id_to_offset_) {
      if (!held[offset]) needed.emplace(offset, id);
    }
  }
  if (needed.empty()) return Status::OK();

  struct Restored {
    Offset offset;
    SeqNo seq;
    std::vector<float> vector;
  };
  std::vector<Restored> restored;
  restored.reserve(needed.size());
  // The op log after replay_from gives the order (and write) of the points
  // written since the last saved segment; their vectors are in the point
  // records, which hold each live point's latest version.
  size_t replayed_ops = 0, from_log = 0;
  std::unordered_map<Offset, SeqNo> seq_of;
  RETURN_IF_ERROR(store_->ForEachOp(replay_from == 0 ? 0 : replay_from - 1, [&](OpRecord&& op) -> Status {
    ++replayed_ops;
    for (const OpRecord::Upsert& u : op.upserts) {
      auto it = needed.find(u.offset);
      // Only the version the id map points at is live; older versions of the
      // point in the log are tombstones.
      if (it != needed.end() && it->second == u.id) seq_of.emplace(u.offset, op.seq);
    }
    return Status::OK();
  }));
  // Live points the log no longer holds (no segment file gave them back) are
  // restored from their records too, as of replay_from. In offset order, which
  // is close to key order for ids written in order.
  std::vector<std::pair<Offset, PointId>> wanted(needed.begin(), needed.end());
  std::sort(wanted.begin(), wanted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<PointId> ids;
  for (size_t begin = 0; begin < wanted.size(); begin += kRestoreBatch) {
    const size_t end = std::min(wanted.size(), begin + kRestoreBatch);
    ids.clear();
    for (size_t i = begin; i < end; ++i) ids.push_back(wanted[i].second);
    ASSIGN_OR_RETURN(auto points, store_->GetMany(ids));
    for (size_t i = begin; i < end; ++i) {
      const auto& [offset, id] = wanted[i];
      std::optional<StoredPoint>& point = points[i - begin];
      if (!point || point->offset != offset || point->vector.size() != config_.dim) {
        return Status::Corruption("point " + id.ToString() +
                                  " is in the id map but its record is missing or differs");
      }
      auto logged = seq_of.find(offset);
      if (logged != seq_of.end()) ++from_log;
      restored.push_back({offset, logged != seq_of.end() ? logged->second : replay_from, std::move(point->vector)});
    }
  }
  // Growing segments take offsets in increasing order (restored already is).
  std::vector<Offset> offsets;
  std::vector<float> rows;
  for (size_t begin = 0; begin < restored.size(); begin += kRestoreBatch) {
    const size_t end = std::min(restored.size(), begin + kRestoreBatch);
    offsets.clear();
    rows.clear();
    for (size_t i = begin; i < end; ++i) {
      offsets.push_back(restored[i].offset);
      rows.insert(rows.end(), restored[i].vector.begin(), restored[i].vector.end());
      std::vector<float>().swap(restored[i].vector);
    }
    RETURN_IF_ERROR(AppendToGrowing(offsets, MatrixView(rows.data(), offsets.size(), config_.dim),
                                    restored[begin].seq, restored[end - 1].seq));
  }
  spdlog::info("collection {}: restored {} unindexed points ({} written by {} op-log records, {} before them)",
               name_, restored.size(), from_log, replayed_ops, restored.size() - from_log);
  return Status::OK();
}

Status Collection::PersistManifest() {
  SegmentManifest manifest;
  manifest.next_file_number = next_file_number_;
  {
    // Under apply_mu_ the growing segment and the pending writes stand still.
    std::lock_guard<std::mutex> apply_lock(apply_mu_);
    std::shared_lock<std::shared_mutex> lock(segments_mu_);
    SeqNo replay_from = applied_seq_ + 1;
    if (!pending_.empty()) replay_from = std::min(replay_from, pending_.front().seq);
    for (const auto& segment : segments_) {
      if (segment->file()) {
        manifest.files.push_back(*segment->file());
      } else if (segment->first_seq() != Segment::kNoSeq) {
        replay_from = std::min(replay_from, segment->first_seq());
      }
    }
    manifest.replay_from = replay_from;
  }
  // The files it lists are already durable (SaveSegmentFile fsyncs them); the
  // manifest then makes them the truth, and only then does anything go.
  RETURN_IF_ERROR(store_->PutMeta(kManifestKey, manifest.Encode()));
  RETURN_IF_ERROR(store_->TrimOpLog(manifest.replay_from));
  return RemoveUnlistedSegmentFiles(manifest);
}

Status Collection::RemoveUnlistedSegmentFiles(const SegmentManifest& manifest) const {
  std::error_code ec;
  bool removed = false;
  for (const auto& entry : fs::directory_iterator(segments_dir(), ec)) {
    const std::string name = entry.path().filename().string();
    const bool listed = std::any_of(manifest.files.begin(), manifest.files.end(),
                                    [&](const SegmentFileRecord& f) { return f.name == name; });
    if (listed) continue;
    std::error_code remove_ec;
    fs::remove(entry.path(), remove_ec);
    if (remove_ec) return Status::IOError("remove " + entry.path().string() + ": " + remove_ec.message());
    removed = true;
  }
  if (ec) return Status::IOError("list " + segments_dir() + ": " + ec.message());
  return removed ? SyncDirectory(segments_dir()) : Status::OK();
}

Status Collection::TEST_ReplayOpLog(SeqNo from) {
  std::lock_guard<std::mutex> apply_lock(apply_mu_);
  // What every segment holds now, the growing ones included.
  std::vector<bool> held(next_offset_, false);
  for (const auto& segment : SegmentsSnapshot()) {
    segment->index().ForEachOffset([&](Offset o) {
      if (o < held.size()) held[o] = true;
    });
  }
  return RestoreUnindexedPoints(from, std::move(held));
}

Result<SegmentManifest> Collection::StoredManifest() const {
  ASSIGN_OR_RETURN(auto encoded, store_->GetMeta(kManifestKey));
  if (!encoded) return SegmentManifest{};
  return SegmentManifest::Decode(*encoded);
}

Result<SegmentManifest> Collection::TEST_Manifest() const { return StoredManifest(); }

}  // namespace sextant
