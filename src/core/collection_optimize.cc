// Collection indexing: the optimizer's step. Builds the index (HNSW or IVF, as
// the config says) of one frozen segment, either by extending the smallest indexed segment that still has room
// (a copy: searches keep reading the original) or as a new segment, then swaps
// it in atomically. Searches keep using the frozen flat copy until then.
// An indexed segment whose points are mostly deleted or overwritten is rebuilt
// from its live ones (vacuum), or overwrites would grow memory without end.
//
// The new index is saved to a segment file before the swap and the manifest is
// rewritten after it (collection_recovery.cc), which lets the op log drop what
// the file now covers. A crash at any point leaves either the old manifest
// (the new file is a leftover, removed at the next open, and the op log still
// names its points, whose records hold their vectors) or the new one.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/collection.h"
#include "core/segment_persistence.h"
#include "index/flat_index.h"
#include "index/index_factory.h"

namespace sextant {

bool Collection::NeedsVacuum(const Segment& segment) const {
  if (segment.state() != Segment::State::kIndexed) return false;
  const size_t total = segment.index().size();
  if (total < kVacuumMinVectors) return false;
  size_t deleted = 0;
  segment.index().ForEachOffset([&](Offset off) { deleted += deleted_.Test(off) ? 1 : 0; });
  return deleted >= kVacuumMinVectors && double(deleted) >= kVacuumDeletedShare * double(total);
}

void Collection::LiveVectors(const Segment& segment, std::vector<Offset>* offsets,
                             std::vector<float>* rows) const {
  const size_t first = offsets->size();
  segment.index().ForEachOffset([&](Offset off) {
    if (!deleted_.Test(off)) offsets->push_back(off);
  });
  std::sort(offsets->begin() + first, offsets->end());
  rows->reserve(rows->size() + (offsets->size() - first) * config_.dim);
  for (size_t i = first; i < offsets->size(); ++i) {
    const float* v = segment.index().Vector((*offsets)[i]);
    rows->insert(rows->end(), v, v + config_.dim);
  }
}

// Work, in order: a frozen segment waiting for its index; else an indexed
// segment built otherwise than the config now says (after an update of
// hnsw_config, ivf_config or quantization_config), rebuilt from its vectors;
// else an indexed segment that needs a vacuum, rebuilt from its live vectors.
std::shared_ptr<Segment> Collection::NextToOptimize(const std::vector<std::shared_ptr<Segment>>& segments,
                                                    const IndexSpec& spec) const {
  for (const auto& s : segments) {
    if (s->state() == Segment::State::kFrozen) return s;
  }
  for (const auto& s : segments) {
    if (s->state() == Segment::State::kIndexed && !s->spec().BuildsSameAs(spec)) return s;
  }
  for (const auto& s : segments) {
    if (NeedsVacuum(*s)) return s;
  }
  return nullptr;
}

Status Collection::OptimizeStep(bool* more) {
  *more = false;
  std::lock_guard<std::mutex> lock(optimize_mu_);
  if (dropped_) return Status::OK();
  const CollectionConfig config = this->config();
  const IndexSpec spec = SegmentIndexSpec(config, env_.build_threads);
  const auto segments = SegmentsSnapshot();
  const std::shared_ptr<Segment> source = NextToOptimize(segments, spec);
  if (!source) return Status::OK();
  const bool rebuild = source->state() != Segment::State::kFrozen;
  const auto start = std::chrono::steady_clock::now();

  // The live vectors of the source, in offset order.
  std::vector<Offset> offsets;
  std::vector<float> rows;
  if (!rebuild) {
    // Frozen segments are always FlatIndex (growing segments are created flat).
    const auto& flat = static_cast<const FlatIndex&>(source->index());
    for (size_t r = 0; r < flat.size(); ++r) {
      const Offset off = flat.OffsetAt(r);
      if (deleted_.Test(off)) continue;  // no point indexing what is already gone
      offsets.push_back(off);
      rows.insert(rows.end(), flat.Row(r), flat.Row(r) + config_.dim);
    }
  } else {
    LiveVectors(*source, &offsets, &rows);
  }

  // A frozen segment extends the smallest indexed segment built the same way
  // that still has room. With nothing left to index there is no new segment:
  // extending one would only drop it from the list.
  std::shared_ptr<Segment> target;
  const size_t max_points = config.optimizer.MaxSegmentPoints(config_.dim);
  for (const auto& s : segments) {
    if (rebuild || offsets.empty() || s->state() != Segment::State::kIndexed) continue;
    if (!s->spec().BuildsSameAs(spec)) continue;
    if (s->index().size() + offsets.size() > max_points) continue;
    if (!target || s->index().size() < target->index().size()) target = s;
  }

  // A target that needs a vacuum is merged instead: one new index of its live
  // points and the frozen segment's. Extending it would keep its dead points,
  // and under steady overwrites the optimizer may seldom be idle enough to
  // vacuum it on its own.
  const bool merge = target && NeedsVacuum(*target);
  if (merge) {
    std::vector<Offset> merged_offsets;
    std::vector<float> merged_rows;
    LiveVectors(*target, &merged_offsets, &merged_rows);
    merged_offsets.insert(merged_offsets.end(), offsets.begin(), offsets.end());
    merged_rows.insert(merged_rows.end(), rows.begin(), rows.end());
    offsets = std::move(merged_offsets);
    rows = std::move(merged_rows);
  }

  std::unique_ptr<Index> index;
  if (!offsets.empty()) {
    if (target && !merge) {
      ASSIGN_OR_RETURN(index, target->index().CloneWithCapacity(target->index().size() + offsets.size()));
    } else {
      ASSIGN_OR_RETURN(index, MakeIndex(spec, config_.dim, config_.metric, offsets.size()));
    }
    RETURN_IF_ERROR(index->Add(offsets, MatrixView(rows.data(), offsets.size(), config_.dim)));
    ++index_builds_;
  }
  if (dropped_) return Status::OK();

  // The writes the new segment holds points of.
  SeqNo first_seq = source->first_seq(), last_seq = source->last_seq();
  if (target) {
    first_seq = std::min(first_seq, target->first_seq());
    last_seq = last_seq == Segment::kNoSeq ? target->last_seq() : std::max(last_seq, target->last_seq());
  }
  std::lock_guard<std::mutex> files_lock(manifest_mu_);
  std::shared_ptr<Segment> sealed;
  if (index) {
    std::optional<SegmentFileRecord> file;
    auto saved = SaveSegmentFile(segments_dir(), SegmentFileName(next_file_number_++), *index, spec,
                                 first_seq, last_seq);
    if (saved.ok()) {
      file = std::move(*saved);
    } else {
      // Searchable all the same; a restart recovers its points from the store
      // and indexes them again. The op log keeps them until a save succeeds.
      spdlog::error("collection {}: could not save segment: {}", name_, saved.status().ToString());
    }
    sealed = std::make_shared<Segment>(next_segment_id_++, Segment::State::kIndexed, std::move(index), spec,
                                       std::move(file));
    sealed->SetSeqRange(first_seq, last_seq);
  }
  {
    std::unique_lock<std::shared_mutex> seg_lock(segments_mu_);
    std::vector<std::shared_ptr<Segment>> next;
    for (const auto& s : segments_) {
      if (s != source && s != target) next.push_back(s);
    }
    if (sealed) next.insert(next.begin(), sealed);
    segments_ = std::move(next);
  }
  // Outside the segments lock: counting tombstones walks whole segments.
  *more = NextToOptimize(SegmentsSnapshot(), spec) != nullptr;
  indexing_cv_.notify_all();
  Status persisted = PersistManifest();
  if (!persisted.ok()) {
    // The old manifest stays valid (it lists files that are all still there).
    spdlog::error("collection {}: could not write segment manifest: {}", name_, persisted.ToString());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("collection {}: {} {} vectors ({}){} in {:.2f}s", name_, rebuild ? "rebuilt" : "indexed",
               offsets.size(), IndexKindName(config.index),
               merge ? ", merged with a vacuumed segment" : target ? ", extending a segment" : "", secs);
  return Status::OK();
}

void Collection::TEST_WaitForIndexing() const {
  std::unique_lock<std::mutex> lock(indexing_mu_);
  while (Info().status != CollectionInfo::Status::kGreen) {
    indexing_cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

}  // namespace sextant
