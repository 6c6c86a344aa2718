// Collection: payload indexes, filter resolution, and the writes that select
// points by filter (delete by filter, payload operations).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "core/collection.h"
#include "core/filter_eval.h"
#include "core/payload_ops.h"
#include "storage/collection_store.h"

namespace sextant {

namespace {

constexpr const char* kFieldIndexesKey = "payload_indexes";
constexpr size_t kFillBatch = 4096;
// Points per write of a delete or payload operation selecting by filter.
constexpr size_t kFilterWriteChunk = 1024;

Result<JsonValue> ParsePayload(std::string_view payload) {
  if (payload.empty()) return JsonValue::MakeObject();
  auto parsed = ParseJson(payload);
  if (!parsed.ok() || !parsed->is_object()) return Status::Corruption("stored payload is not a JSON object");
  return parsed;
}

// The field indexes' definitions as persisted: "schema<TAB>field" lines.
std::string EncodeDefinitions(const std::map<std::string, PayloadSchema>& defs) {
  std::string out;
  for (const auto& [field, schema] : defs) {
    out.append(PayloadSchemaName(schema));
    out.push_back('\t');
    out.append(field);
    out.push_back('\n');
  }
  return out;
}

Result<std::map<std::string, PayloadSchema>> DecodeDefinitions(std::string_view text) {
  std::map<std::string, PayloadSchema> defs;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    if (eol == std::string_view::npos) return Status::Corruption("payload index list: unterminated line");
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) return Status::Corruption("payload index list: bad line");
    auto schema = ParsePayloadSchema(line.substr(0, tab));
    if (!schema) return Status::Corruption("payload index list: unknown schema " + std::string(line.substr(0, tab)));
    defs[std::string(line.substr(tab + 1))] = *schema;
  }
  return defs;
}

}  // namespace

// --- keeping indexes and the live set current -------------------------------

std::vector<JsonValue> Collection::PayloadsToIndex(std::span<const PointInput> points) const {
  {
    std::shared_lock<std::shared_mutex> lock(payload_mu_);
    if (field_indexes_.empty()) return {};
  }
  // An index created after this check fills itself from the store, which
  // already holds these points (they are published before they are applied).
  std::vector<JsonValue> parsed;
  parsed.reserve(points.size());
  for (const PointInput& p : points) {
    auto v = ParsePayload(p.payload);
    parsed.push_back(v.ok() ? std::move(*v) : JsonValue::MakeObject());  // validated by the API
  }
  return parsed;
}

void Collection::AddToIndexesLocked(std::span<const Offset> offsets, const std::vector<JsonValue>& payloads) {
  for (Offset o : offsets) live_.add(o);
  if (payloads.empty()) return;
  for (auto& [field, entry] : field_indexes_) {
    for (FieldIndex* index : {entry.index.get(), entry.building.get()}) {
      if (index == nullptr) continue;
      for (size_t i = 0; i < offsets.size(); ++i) index->Add(offsets[i], payloads[i]);
    }
  }
}

Status Collection::FillFieldIndex(FieldIndex* index) const {
  std::vector<std::pair<Offset, JsonValue>> batch;
  auto flush = [&] {
    std::unique_lock<std::shared_mutex> lock(payload_mu_);
    for (const auto& [offset, payload] : batch) index->Add(offset, payload);
    batch.clear();
  };
  RETURN_IF_ERROR(store_->ForEachPayload([&](const PointId&, Offset offset, std::string_view payload) -> Status {
    ASSIGN_OR_RETURN(JsonValue parsed, ParsePayload(payload));
    batch.emplace_back(offset, std::move(parsed));
    if (batch.size() >= kFillBatch) flush();
    return Status::OK();
  }));
  flush();
  return Status::OK();
}

Status Collection::LoadFieldIndexes() {
  ASSIGN_OR_RETURN(auto encoded, store_->GetMeta(kFieldIndexesKey));
  if (!encoded) return Status::OK();
  ASSIGN_OR_RETURN(auto defs, DecodeDefinitions(*encoded));
  if (defs.empty()) return Status::OK();
  const auto start = std::chrono::steady_clock::now();
  std::vector<FieldIndex*> indexes;
  {
    std::unique_lock<std::shared_mutex> schema(schema_mu_);
    std::unique_lock<std::shared_mutex> payload(payload_mu_);
    for (const auto& [field, schema_type] : defs) {
      auto path = ParseFieldPath(field);
      if (!path) return Status::Corruption("payload index on an invalid path: " + field);
      auto& entry = field_indexes_[field];
      entry.index = std::make_unique<FieldIndex>(*path, schema_type);
      indexes.push_back(entry.index.get());
    }
  }
  // One pass over the payloads fills every index; only live offsets count.
  std::unique_lock<std::shared_mutex> payload(payload_mu_);
  RETURN_IF_ERROR(store_->ForEachPayload([&](const PointId&, Offset offset, std::string_view text) -> Status {
    ASSIGN_OR_RETURN(JsonValue parsed, ParsePayload(text));
    for (FieldIndex* index : indexes) index->Add(offset, parsed);
    return Status::OK();
  }));
  spdlog::info("collection {}: {} payload indexes rebuilt in {:.2f}s", name_, defs.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return Status::OK();
}

std::map<std::string, PayloadSchema> Collection::FieldIndexDefinitions() const {
  std::map<std::string, PayloadSchema> defs;
  std::shared_lock<std::shared_mutex> schema(schema_mu_);
  for (const auto& [field, entry] : field_indexes_) {
    if (entry.index) defs[field] = entry.index->schema();
  }
  return defs;
}

Status Collection::PersistFieldIndexes(const std::map<std::string, PayloadSchema>& defs) const {
  return store_->PutMeta(kFieldIndexesKey, EncodeDefinitions(defs));
}

Status Collection::CreateFieldIndex(const std::string& field, PayloadSchema schema) {
  auto path = ParseFieldPath(field);
  if (!path || field.find_first_of("\t\n\r") != std::string::npos) {
    return Status::InvalidArgument("Bad request: `" + field + "` is not a valid payload field path");
  }
  std::lock_guard<std::mutex> admin(index_admin_mu_);
  if (dropped_) return Status::NotFound("Collection `" + name_ + "` doesn't exist!");
  FieldIndex* building = nullptr;
  {
    std::unique_lock<std::shared_mutex> schema_lock(schema_mu_);
    std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
    auto& entry = field_indexes_[field];
    if (entry.index && entry.index->schema() == schema) return Status::OK();
    // From here on every applied write also goes into the new index. An
    // index of another schema on the field keeps serving (and taking writes)
    // until the new one is complete and persisted.
    entry.building = std::make_unique<FieldIndex>(*path, schema);
    building = entry.building.get();
  }
  Status s = FillFieldIndex(building);
  if (s.ok()) {
    auto defs = FieldIndexDefinitions();
    defs[field] = schema;
    s = PersistFieldIndexes(defs);
  }
  std::unique_lock<std::shared_mutex> schema_lock(schema_mu_);
  std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
  auto& entry = field_indexes_[field];
  if (s.ok()) {
    entry.index = std::move(entry.building);
  } else {
    entry.building.reset();
    if (!entry.index) field_indexes_.erase(field);
  }
  return s;
}

Status Collection::DropFieldIndex(const std::string& field) {
  std::lock_guard<std::mutex> admin(index_admin_mu_);
  auto defs = FieldIndexDefinitions();
  if (defs.erase(field) == 0) return Status::OK();
  RETURN_IF_ERROR(PersistFieldIndexes(defs));  // the index keeps serving until this is stored
  std::unique_lock<std::shared_mutex> schema_lock(schema_mu_);
  std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
  field_indexes_.erase(field);
  return Status::OK();
}

// --- resolving filters ------------------------------------------------------

namespace {

// For min_should: offsets of `candidates` that at least `min_count` of
// `matches` contain, by counting per offset (time and memory proportional to
// the matches, not to conditions x min_count).
Bitmap AtLeast(const Bitmap& candidates, const std::vector<Bitmap>& matches, size_t min_count) {
  if (min_count == 0) return candidates;
  if (min_count > matches.size()) return Bitmap();
  if (min_count == 1) {
    Bitmap any;
    for (const Bitmap& m : matches) any |= m;
    return any & candidates;
  }
  std::unordered_map<Offset, uint32_t> counts;
  Bitmap out;
  for (const Bitmap& m : matches) {
    const Bitmap hit = m & candidates;
    for (Offset o : hit) {
      if (++counts[o] == min_count) out.add(o);
    }
  }
  return out;
}

}  // namespace

Result<Bitmap> Collection::ResolveFilter(const Filter& filter) const { return ResolveFilterImpl(filter, false); }

Result<Bitmap> Collection::ResolveFilterImpl(const Filter& filter, bool for_write,
                                             std::unordered_map<Offset, PointId>* scan_ids) const {
  std::shared_lock<std::shared_mutex> schema(schema_mu_);  // the set of indexes stays put

  // The complete index on a field, if any.
  auto index_of = [&](const FieldCondition& f) -> const FieldIndex* {
    auto it = field_indexes_.find(f.key.text);
    return it == field_indexes_.end() ? nullptr : it->second.index.get();
  };
  auto served_by = [&](const FieldCondition& f) -> const FieldIndex* {
    const FieldIndex* index = index_of(f);
    return index != nullptr && FieldIndex::Serves(f) ? index : nullptr;
  };

  // Type checks against the indexes (not inside nested filters: their keys are
  // relative to the array's elements), and the conditions no index answers,
  // which are evaluated on every stored payload in one pass.
  std::vector<const Condition*> unserved;
  std::function<Status(const Filter&)> collect = [&](const Filter& f) -> Status {
    auto visit = [&](const Condition& c) -> Status {
      if (const auto* fc = std::get_if<FieldCondition>(&c.c)) {
        if (const FieldIndex* index = index_of(*fc)) RETURN_IF_ERROR(index->Check(*fc));
        if (served_by(*fc) == nullptr) unserved.push_back(&c);
      } else if (std::holds_alternative<Nested>(c.c)) {
        unserved.push_back(&c);
      } else if (const auto* sub = std::get_if<std::shared_ptr<const Filter>>(&c.c)) {
        RETURN_IF_ERROR(collect(**sub));
      }
      return Status::OK();
    };
    for (const auto* list : {&f.must, &f.should, &f.must_not}) {
      for (const Condition& c : *list) RETURN_IF_ERROR(visit(c));
    }
    if (f.min_should) {
      for (const Condition& c : f.min_should->conditions) RETURN_IF_ERROR(visit(c));
    }
    return Status::OK();
  };
  RETURN_IF_ERROR(collect(filter));
  // A write's candidates with a scan: every condition on the scanned payloads
  // (a version published but not yet applied is in the scan, not yet in the
  // index bitmaps or the id map).
  const bool scan_all = for_write && !unserved.empty();
  if (scan_all) {
    unserved.clear();
    std::function<void(const Filter&)> all = [&](const Filter& f) {
      auto visit = [&](const Condition& c) {
        if (const auto* sub = std::get_if<std::shared_ptr<const Filter>>(&c.c)) {
          all(**sub);
        } else {
          unserved.push_back(&c);
        }
      };
      for (const auto* list : {&f.must, &f.should, &f.must_not}) {
        for (const Condition& c : *list) visit(c);
      }
      if (f.min_should) {
        for (const Condition& c : f.min_should->conditions) visit(c);
      }
    };
    all(filter);
  }

  std::unordered_map<const Condition*, Bitmap> scanned;
  std::optional<Bitmap> seen;  // offsets the scan read: its view of the collection
  if (!unserved.empty()) {
    std::vector<Bitmap> bits(unserved.size());
    seen.emplace();
    RETURN_IF_ERROR(store_->ForEachPayload([&](const PointId& id, Offset offset, std::string_view text) -> Status {
      ASSIGN_OR_RETURN(JsonValue payload, ParsePayload(text));
      seen->add(offset);
      // Only offsets of writes not yet applied need their id from here.
      if (scan_ids != nullptr && offset >= applied_offset_end_.load(std::memory_order_acquire)) {
        scan_ids->emplace(offset, id);
      }
      for (size_t i = 0; i < unserved.size(); ++i) {
        if (Matches(*unserved[i], id, payload)) bits[i].add(offset);
      }
      return Status::OK();
    }));
    for (size_t i = 0; i < unserved.size(); ++i) scanned.emplace(unserved[i], std::move(bits[i]));
  }

  auto ids_bitmap = [&](const HasId& h) {
    Bitmap b;
    std::shared_lock<std::shared_mutex> ids(ids_mu_);
    for (const PointId& id : h.ids) {
      if (auto it = id_to_offset_.find(id); it != id_to_offset_.end()) b.add(it->second);
    }
    return b;
  };

  std::shared_lock<std::shared_mutex> payload(payload_mu_);
  // The universe: live points. With a scan, only those it read (a point
  // written since has a payload the scan did not see); for a write's
  // candidates, every version the scan read, live or not.
  Bitmap universe = live_;
  if (seen) {
    if (for_write) {
      universe = *seen;
    } else {
      universe &= *seen;
    }
  }
  std::function<Bitmap(const Filter&)> combine;
  auto eval = [&](const Condition& c) -> Bitmap {
    if (scan_all && !std::holds_alternative<std::shared_ptr<const Filter>>(c.c)) return scanned.at(&c);
    if (const auto* fc = std::get_if<FieldCondition>(&c.c)) {
      if (const FieldIndex* index = served_by(*fc)) return *index->Query(*fc);
      return scanned.at(&c);
    }
    if (const auto* h = std::get_if<HasId>(&c.c)) return ids_bitmap(*h);
    if (std::holds_alternative<Nested>(c.c)) return scanned.at(&c);
    return combine(*std::get<std::shared_ptr<const Filter>>(c.c));
  };
  combine = [&](const Filter& f) -> Bitmap {
    Bitmap r = universe;
    for (const Condition& c : f.must) {
      if (r.isEmpty()) return r;
      r &= eval(c);
    }
    if (!f.should.empty() && !r.isEmpty()) {
      Bitmap any;
      for (const Condition& c : f.should) any |= eval(c);
      r &= any;
    }
    if (f.min_should && !r.isEmpty()) {
      std::vector<Bitmap> matches;
      matches.reserve(f.min_should->conditions.size());
      for (const Condition& c : f.min_should->conditions) matches.push_back(eval(c));
      r = AtLeast(r, matches, f.min_should->min_count);
    }
    for (const Condition& c : f.must_not) {
      if (r.isEmpty()) return r;
      r -= eval(c);
    }
    return r;
  };
  return combine(filter);
}

Result<size_t> Collection::Count(const Filter& filter) const {
  if (filter.empty()) return Count();
  ASSIGN_OR_RETURN(Bitmap matching, ResolveFilter(filter));
  return static_cast<size_t>(matching.cardinality());
}

Result<std::vector<PointId>> Collection::MatchingIds(const Filter& filter) const {
  const ReadEpochs::Pin pin = read_epochs_.Enter();
  std::unordered_map<Offset, PointId> scan_ids;
  ASSIGN_OR_RETURN(Bitmap matching, ResolveFilterImpl(filter, true, &scan_ids));
  std::unordered_set<PointId, PointIdHash> unique;
  std::vector<PointId> ids;
  for (Offset o : matching) {
    // Offsets from a scan may be of writes not applied yet: their id comes
    // from the scan. Others are live, hence applied, with offset_info_ set.
    // Missing: every offset of its chunk is dead, this version included, so
    // the id's current version is a later write than this filter's.
    auto it = scan_ids.find(o);
    std::optional<PointId> id;
    if (it != scan_ids.end()) {
      id = it->second;
    } else if (auto info = offset_info_.TryGet(o)) {
      id = info->id;
    }
    if (id && unique.insert(*id).second) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// --- writes that select by filter -------------------------------------------

Result<SeqNo> Collection::DeleteByFilter(const Filter& filter) {
  ASSIGN_OR_RETURN(std::vector<PointId> candidates, MatchingIds(filter));
  SeqNo seq = last_seq_.load();
  // In chunks: each is one atomic write, and other writers get their turn in between.
  for (size_t begin = 0; begin < candidates.size(); begin += kFilterWriteChunk) {
    const std::span<const PointId> chunk(candidates.data() + begin,
                                         std::min(kFilterWriteChunk, candidates.size() - begin));
    ASSIGN_OR_RETURN(seq, Commit(PendingWrite{}, [&](PendingWrite* w) -> Status {
      for (const PointId& id : chunk) {
        ASSIGN_OR_RETURN(auto latest, GetLatest(id));
        if (!latest) continue;
        ASSIGN_OR_RETURN(JsonValue payload, ParsePayload(latest->payload));
        if (Matches(filter, id, payload)) w->deletes.push_back(id);
      }
      return Status::OK();
    }));
  }
  return seq;
}

Result<SeqNo> Collection::UpdatePayload(const PointSelector& selector, const PayloadOp& op) {
  std::vector<PointId> targets;
  if (selector.filter) {
    ASSIGN_OR_RETURN(targets, MatchingIds(*selector.filter));
  } else {
    std::unordered_set<PointId, PointIdHash> seen;
    for (const PointId& id : selector.ids) {
      if (seen.insert(id).second) targets.push_back(id);
    }
  }
  // Listed ids: one atomic write (a missing id fails it before anything
  // changes). By filter: chunks of kFilterWriteChunk points, each atomic.
  const size_t chunk_size = selector.filter ? kFilterWriteChunk : std::max<size_t>(targets.size(), 1);
  SeqNo seq = last_seq_.load();
  for (size_t begin = 0; begin < targets.size(); begin += chunk_size) {
    const std::span<const PointId> chunk(targets.data() + begin, std::min(chunk_size, targets.size() - begin));
    ASSIGN_OR_RETURN(seq, Commit(PendingWrite{}, [&](PendingWrite* w) -> Status {
      for (const PointId& id : chunk) {
        ASSIGN_OR_RETURN(auto latest, GetLatest(id));
        if (!latest) {
          if (selector.filter) continue;  // deleted since it matched
          return Status::NotFound("No point with id " + id.ToString() + " found");
        }
        ASSIGN_OR_RETURN(JsonValue payload, ParsePayload(latest->payload));
        if (selector.filter && !Matches(*selector.filter, id, payload)) continue;
        ApplyPayloadOp(op, &payload);
        w->upserts.push_back(PointInput{id, std::move(latest->vector), ToJson(payload)});
      }
      return Status::OK();
    }));
  }
  return seq;
}

}  // namespace sextant
