// Collection indexing: the optimizer's step. Builds the HNSW index of one frozen
// segment, either by extending the smallest indexed segment that still has room
// (a copy: searches keep reading the original) or as a new segment, then swaps
// it in atomically. Searches keep using the frozen flat copy until then.
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/collection.h"
#include "index/flat_index.h"
#include "index/index_factory.h"

namespace sextant {

Status Collection::OptimizeStep(bool* more) {
  *more = false;
  std::lock_guard<std::mutex> lock(optimize_mu_);
  if (dropped_) return Status::OK();
  const auto segments = SegmentsSnapshot();
  std::shared_ptr<Segment> frozen;
  for (const auto& s : segments) {
    if (s->state() == Segment::State::kFrozen) {
      frozen = s;
      break;
    }
  }
  if (!frozen) return Status::OK();
  const auto start = std::chrono::steady_clock::now();

  // Frozen segments are always FlatIndex (growing segments are created flat).
  const auto& flat = static_cast<const FlatIndex&>(frozen->index());
  std::vector<Offset> offsets;
  std::vector<float> rows;
  for (size_t r = 0; r < flat.size(); ++r) {
    const Offset off = flat.OffsetAt(r);
    if (deleted_.Test(off)) continue;  // no point indexing what is already gone
    offsets.push_back(off);
    rows.insert(rows.end(), flat.Row(r), flat.Row(r) + config_.dim);
  }

  std::shared_ptr<Segment> target;
  const size_t max_points = config_.optimizer.MaxSegmentPoints(config_.dim);
  for (const auto& s : segments) {
    if (s->state() != Segment::State::kIndexed) continue;
    if (s->index().size() + offsets.size() > max_points) continue;
    if (!target || s->index().size() < target->index().size()) target = s;
  }

  std::unique_ptr<Index> index;
  if (!offsets.empty()) {
    IndexSpec spec;
    spec.kind = IndexSpec::Kind::kHnsw;
    spec.m = config_.hnsw.m;
    spec.ef_construct = config_.hnsw.ef_construct;
    spec.ef_search = config_.hnsw.ef;
    spec.build_threads = env_.build_threads;
    if (target) {
      ASSIGN_OR_RETURN(index, target->index().CloneWithCapacity(target->index().size() + offsets.size()));
    } else {
      ASSIGN_OR_RETURN(index, MakeIndex(spec, config_.dim, config_.metric, offsets.size()));
    }
    RETURN_IF_ERROR(index->Add(offsets, MatrixView(rows.data(), offsets.size(), config_.dim)));
  }
  if (dropped_) return Status::OK();

  std::shared_ptr<Segment> sealed;
  if (index) {
    sealed = std::make_shared<Segment>(next_segment_id_++, Segment::State::kIndexed, std::move(index));
  }
  {
    std::unique_lock<std::shared_mutex> seg_lock(segments_mu_);
    std::vector<std::shared_ptr<Segment>> next;
    for (const auto& s : segments_) {
      if (s != frozen && s != target) next.push_back(s);
    }
    if (sealed) next.insert(next.begin(), sealed);
    segments_ = std::move(next);
    for (const auto& s : segments_) *more |= s->state() == Segment::State::kFrozen;
  }
  indexing_cv_.notify_all();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("collection {}: indexed {} vectors{} in {:.2f}s", name_, offsets.size(),
               target ? " (extending a segment)" : "", secs);
  return Status::OK();
}

void Collection::TEST_WaitForIndexing() const {
  std::unique_lock<std::mutex> lock(indexing_mu_);
  while (Info().status != CollectionInfo::Status::kGreen) {
    indexing_cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

}  // namespace sextant
