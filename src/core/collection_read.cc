// Collection read path: search across segments, retrieve, scroll.
#include <algorithm>
#include <unordered_set>

#include "core/collection.h"
#include "core/mmr.h"
#include "core/vector_checks.h"
#include "storage/collection_store.h"

namespace sextant {

namespace {

// Accepts offsets that are not tombstoned.
class LiveFilter final : public OffsetFilter {
 public:
  explicit LiveFilter(const OffsetBitset& deleted) : deleted_(deleted) {}
  bool Accepts(Offset offset) const override { return !deleted_.Test(offset); }

 private:
  const OffsetBitset& deleted_;
};

}  // namespace

const float* Collection::VectorOf(const std::vector<std::shared_ptr<Segment>>& segments,
                                  Offset offset) const {
  for (const auto& s : segments) {
    if (const float* v = s->index().Vector(offset)) return v;
  }
  return nullptr;
}

Status Collection::Materialize(ScoredPoint* point, bool with_payload, bool with_vector) const {
  if (!with_payload && !with_vector) return Status::OK();
  ASSIGN_OR_RETURN(auto stored, store_->Get(point->id));
  if (!stored) return Status::NotFound("point vanished");  // deleted meanwhile
  if (with_payload) point->payload = stored->payload.empty() ? "{}" : std::move(stored->payload);
  if (with_vector) point->vector = std::move(stored->vector);
  return Status::OK();
}

Result<std::vector<ScoredPoint>> Collection::Query(const QueryOptions& options) const {
  std::vector<float> query = options.vector;
  RETURN_IF_ERROR(CheckVector(query, config_.dim));
  if (config_.metric == Metric::kCosine) NormalizeInPlace(query);

  const size_t wanted = options.mmr ? std::max(options.limit, options.mmr->candidates_limit)
                                    : options.offset + options.limit;
  const auto segments = SegmentsSnapshot();
  const LiveFilter live(deleted_);
  SearchParams params;
  params.k = wanted;
  params.ef = options.hnsw_ef != 0 ? options.hnsw_ef : config_.hnsw.ef;
  params.exact = options.exact;
  params.filter = &live;

  std::vector<Hit> hits;
  for (const auto& s : segments) {
    ASSIGN_OR_RETURN(auto part, s->index().Search(query, params));
    hits.insert(hits.end(), part.begin(), part.end());
  }
  std::sort(hits.begin(), hits.end());
  // A concurrent update can briefly leave two versions of a point visible;
  // keep the closer one.
  std::vector<Hit> unique;
  unique.reserve(std::min(hits.size(), wanted));
  std::unordered_set<PointId, PointIdHash> seen;
  for (const Hit& h : hits) {
    if (unique.size() >= wanted) break;
    if (seen.insert(offset_info_.Get(h.offset).id).second) unique.push_back(h);
  }

  if (options.mmr) {
    std::vector<MmrCandidate> candidates;
    std::vector<Hit> with_vectors;
    for (const Hit& h : unique) {
      if (const float* v = VectorOf(segments, h.offset)) {
        candidates.push_back({v, 1.0f - h.distance});
        if (!HigherIsCloser(config_.metric)) {
          candidates.back().similarity = -ScoreFromDistance(config_.metric, h.distance);
        }
        with_vectors.push_back(h);
      }
    }
    std::vector<Hit> reranked;
    for (size_t i : SelectMmr(candidates, config_.metric, config_.dim, options.mmr->diversity,
                              options.limit)) {
      reranked.push_back(with_vectors[i]);
    }
    unique = std::move(reranked);
  } else {
    unique.erase(unique.begin(), unique.begin() + std::min(options.offset, unique.size()));
  }

  std::vector<ScoredPoint> out;
  out.reserve(unique.size());
  for (const Hit& h : unique) {
    ScoredPoint p;
    const OffsetInfo& info = offset_info_.Get(h.offset);
    p.id = info.id;
    p.version = info.version;
    p.score = ScoreFromDistance(config_.metric, h.distance);
    if (options.score_threshold) {
      const bool passes = HigherIsCloser(config_.metric) ? p.score >= *options.score_threshold
                                                         : p.score <= *options.score_threshold;
      if (!passes) continue;
    }
    Status s = Materialize(&p, options.with_payload, options.with_vector);
    if (s.code() == Status::Code::kNotFound) continue;
    RETURN_IF_ERROR(s);
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<Record>> Collection::Retrieve(std::span<const PointId> ids, bool with_payload,
                                                 bool with_vector) const {
  std::vector<Record> out;
  std::unordered_set<PointId, PointIdHash> seen;
  for (const PointId& id : ids) {
    if (!seen.insert(id).second) continue;
    {
      std::shared_lock<std::shared_mutex> lock(ids_mu_);
      if (id_to_offset_.find(id) == id_to_offset_.end()) continue;
    }
    ASSIGN_OR_RETURN(auto stored, store_->Get(id));
    if (!stored) continue;
    Record r{id, std::nullopt, std::nullopt};
    if (with_payload) r.payload = stored->payload.empty() ? "{}" : std::move(stored->payload);
    if (with_vector) r.vector = std::move(stored->vector);
    out.push_back(std::move(r));
  }
  return out;
}

Result<ScrollPage> Collection::Scroll(std::optional<PointId> from, size_t limit,
                                      bool with_payload, bool with_vector) const {
  std::vector<PointId> ids;
  ScrollPage page;
  {
    std::shared_lock<std::shared_mutex> lock(ids_mu_);
    auto it = from ? id_to_offset_.lower_bound(*from) : id_to_offset_.begin();
    // Fetch one more than asked: its id is the next page's (inclusive) offset.
    for (; it != id_to_offset_.end() && ids.size() < limit + 1; ++it) ids.push_back(it->first);
  }
  if (ids.size() > limit) {
    page.next_page_offset = ids.back();
    ids.pop_back();
  }
  ASSIGN_OR_RETURN(page.points, Retrieve(ids, with_payload, with_vector));
  return page;
}

}  // namespace sextant
