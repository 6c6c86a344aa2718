// Collection read path: search across segments, retrieve, scroll.
#include <algorithm>
#include <unordered_set>

#include "core/collection.h"
#include "core/mmr.h"
#include "core/vector_checks.h"
#include "storage/collection_store.h"

namespace sextant {

namespace {

// Accepts offsets that are not tombstoned (nor `excluded`).
class LiveFilter final : public OffsetFilter {
 public:
  LiveFilter(const OffsetBitset& deleted, Offset excluded) : deleted_(deleted), excluded_(excluded) {}
  bool Accepts(Offset offset) const override { return offset != excluded_ && !deleted_.Test(offset); }

 private:
  const OffsetBitset& deleted_;
  const Offset excluded_;
};

// Accepts the offsets a resolved filter matched that are still live.
class MatchFilter final : public OffsetFilter {
 public:
  MatchFilter(const Bitmap& matching, const OffsetBitset& deleted, Offset excluded)
      : matching_(matching), deleted_(deleted), excluded_(excluded) {}
  bool Accepts(Offset offset) const override {
    return offset != excluded_ && matching_.contains(offset) && !deleted_.Test(offset);
  }

 private:
  const Bitmap& matching_;
  const OffsetBitset& deleted_;
  const Offset excluded_;
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
  const ReadEpochs::Pin pin = read_epochs_.Enter();  // for offset_info_
  std::vector<float> query = options.vector;
  RETURN_IF_ERROR(CheckVector(query, config_.dim));
  if (config_.metric == Metric::kCosine) NormalizeInPlace(query);

  const size_t wanted = options.mmr ? std::max(options.limit, options.mmr->candidates_limit)
                                    : options.offset + options.limit;
  const bool filtered = options.filter != nullptr && !options.filter->empty();
  Bitmap matching;
  if (filtered) {
    ASSIGN_OR_RETURN(matching, ResolveFilter(*options.filter));
    if (matching.isEmpty()) return std::vector<ScoredPoint>{};
  }
  Offset excluded = kNoOffset;
  if (options.exclude) {
    std::shared_lock<std::shared_mutex> lock(ids_mu_);
    if (auto it = id_to_offset_.find(*options.exclude); it != id_to_offset_.end()) excluded = it->second;
  }
  const auto segments = SegmentsSnapshot();
  const LiveFilter live(deleted_, excluded);
  const MatchFilter match(matching, deleted_, excluded);
  const CollectionConfig config = this->config();
  SearchParams params;
  params.k = wanted;
  params.ef = options.hnsw_ef != 0 ? options.hnsw_ef : config.hnsw.ef;
  params.nprobe = options.ivf_nprobe != 0 ? options.ivf_nprobe : config.ivf.nprobe;
  params.exact = options.exact;
  params.ignore_codes = options.ignore_quantization;
  params.rescore = options.rescore;
  params.oversampling = options.oversampling;
  params.filter = filtered ? static_cast<const OffsetFilter*>(&match) : &live;

  std::vector<Hit> hits;
  if (!filtered) {
    for (const auto& s : segments) {
      ASSIGN_OR_RETURN(auto part, s->index().Search(query, params));
      hits.insert(hits.end(), part.begin(), part.end());
    }
  } else {
    RETURN_IF_ERROR(SearchFiltered(segments, query, options, matching, params, &hits));
  }
  std::sort(hits.begin(), hits.end());
  // A concurrent update can briefly leave two versions of a point visible;
  // keep the closer one.
  std::vector<Hit> unique;
  unique.reserve(std::min(hits.size(), wanted));
  std::unordered_set<PointId, PointIdHash> seen;
  for (const Hit& h : hits) {
    if (unique.size() >= wanted) break;
    const auto info = offset_info_.TryGet(h.offset);
    if (!info) continue;  // deleted since the search, with the rest of its chunk
    if (options.exclude && info->id == *options.exclude) continue;  // an older version of it, mid-update
    if (seen.insert(info->id).second) unique.push_back(h);
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
    const auto info = offset_info_.TryGet(h.offset);
    if (!info) continue;  // deleted meanwhile
    p.id = info->id;
    p.version = info->version;
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

Status Collection::SearchFiltered(const std::vector<std::shared_ptr<Segment>>& segments, VectorView query,
                                  const QueryOptions& options, const Bitmap& matching,
                                  const SearchParams& base, std::vector<Hit>* hits) const {
  const size_t full_scan_points = config().hnsw.full_scan_threshold * 1024 / (config_.dim * sizeof(float));
  for (const auto& s : segments) {
    const Index& index = s->index();
    // An indexed segment no longer changes: the matches it holds are counted
    // exactly, and its own share of them decides the plan. A flat segment
    // (growing, or waiting for its index) is scanned whatever matches.
    Bitmap mine;
    double selectivity = 1.0;
    if (!index.is_exact()) {
      mine = matching & s->offsets();
      if (mine.isEmpty()) continue;
      selectivity = static_cast<double>(mine.cardinality()) / static_cast<double>(std::max<size_t>(index.size(), 1));
    }
    SegmentPlan plan = PlanSegmentSearch(PlanInput{.segment_exact = index.is_exact(),
                                                   .segment_points = index.size(),
                                                   .selectivity = selectivity,
                                                   .full_scan_points = full_scan_points,
                                                   .ef = base.ef,
                                                   .k = base.k});
    if (!index.is_exact()) {
      if (options.exact) plan.kind = SegmentPlan::Kind::kAmong;
      if (options.force_plan) {
        plan.kind = *options.force_plan;
        plan.ef = options.hnsw_ef != 0 ? options.hnsw_ef : WidenedEf(selectivity, base.ef, base.k);
      }
    }
    std::vector<Hit> part;
    switch (plan.kind) {
      case SegmentPlan::Kind::kScan: {
        SearchParams params = base;
        params.exact = true;
        ASSIGN_OR_RETURN(part, index.Search(query, params));
        break;
      }
      case SegmentPlan::Kind::kAmong: {
        std::vector<Offset> candidates(mine.cardinality());
        mine.toUint32Array(candidates.data());
        part = index.SearchAmong(query, candidates, base.k, base.filter);
        break;
      }
      case SegmentPlan::Kind::kWalk: {
        SearchParams params = base;
        params.ef = plan.ef;
        params.selectivity = selectivity;  // IVF probes more lists the fewer match
        ASSIGN_OR_RETURN(part, index.Search(query, params));
        break;
      }
    }
    hits->insert(hits->end(), part.begin(), part.end());
  }
  return Status::OK();
}

Result<ScrollPage> Collection::Scroll(std::optional<PointId> from, size_t limit,
                                      bool with_payload, bool with_vector, const Filter* filter) const {
  std::optional<Bitmap> matching;
  if (filter != nullptr && !filter->empty()) {
    ASSIGN_OR_RETURN(matching, ResolveFilter(*filter));
  }
  std::vector<PointId> ids;
  ScrollPage page;
  if (matching && matching->cardinality() * 8 < Count()) {
    // Few matches: their ids, sorted, rather than a walk over the whole id map.
    const ReadEpochs::Pin pin = read_epochs_.Enter();  // for offset_info_
    for (Offset o : *matching) {
      const auto info = offset_info_.TryGet(o);
      if (!info) continue;  // deleted since the filter was resolved
      if (!from || !(info->id < *from)) ids.push_back(info->id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    // Only points whose current version matched (an id may come from an
    // older version replaced since).
    std::shared_lock<std::shared_mutex> lock(ids_mu_);
    std::erase_if(ids, [&](const PointId& id) {
      auto it = id_to_offset_.find(id);
      return it == id_to_offset_.end() || !matching->contains(it->second);
    });
    if (ids.size() > limit + 1) ids.resize(limit + 1);
  } else {
    std::shared_lock<std::shared_mutex> lock(ids_mu_);
    auto it = from ? id_to_offset_.lower_bound(*from) : id_to_offset_.begin();
    // Fetch one more than asked: its id is the next page's (inclusive) offset.
    for (; it != id_to_offset_.end() && ids.size() < limit + 1; ++it) {
      if (!matching || matching->contains(it->second)) ids.push_back(it->first);
    }
  }
  if (ids.size() > limit) {
    page.next_page_offset = ids.back();
    ids.pop_back();
  }
  ASSIGN_OR_RETURN(page.points, Retrieve(ids, with_payload, with_vector));
  return page;
}

}  // namespace sextant
