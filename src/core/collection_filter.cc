// Collection: payload indexes, filter resolution, and the writes that select
// points by filter (delete by filter, payload operations).
#include <spdlog/spdlog.h>

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

void Collection::IndexPayloads(std::span<const PointInput> points, std::span<const Offset> offsets,
                               std::span<const Offset> replaced) {
  bool any_index = false;
  {
    std::shared_lock<std::shared_mutex> lock(payload_mu_);
    any_index = !field_indexes_.empty();
  }
  // An index created after this check fills itself from the store, which
  // already holds these points (they are published before they are applied).
  std::vector<JsonValue> parsed;
  if (any_index) {
    parsed.reserve(points.size());
    for (const PointInput& p : points) {
      auto v = ParsePayload(p.payload);
      parsed.push_back(v.ok() ? std::move(*v) : JsonValue::MakeObject());  // validated by the API
    }
  }
  std::unique_lock<std::shared_mutex> lock(payload_mu_);
  for (Offset o : replaced) live_.remove(o);
  for (size_t i = 0; i < offsets.size(); ++i) live_.add(offsets[i]);
  if (parsed.empty()) return;
  for (auto& [field, entry] : field_indexes_) {
    for (size_t i = 0; i < offsets.size(); ++i) entry.index->Add(offsets[i], parsed[i]);
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
  std::unique_lock<std::shared_mutex> schema(schema_mu_, std::defer_lock);
  payload.unlock();
  schema.lock();
  for (auto& [field, entry] : field_indexes_) entry.ready = true;
  spdlog::info("collection {}: {} payload indexes rebuilt in {:.2f}s", name_, defs.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return Status::OK();
}

Status Collection::PersistFieldIndexes() const {
  std::map<std::string, PayloadSchema> defs;
  {
    std::shared_lock<std::shared_mutex> schema(schema_mu_);
    for (const auto& [field, entry] : field_indexes_) defs[field] = entry.index->schema();
  }
  return store_->PutMeta(kFieldIndexesKey, EncodeDefinitions(defs));
}

Status Collection::CreateFieldIndex(const std::string& field, PayloadSchema schema) {
  auto path = ParseFieldPath(field);
  if (!path || field.find_first_of("\t\n\r") != std::string::npos) {
    return Status::InvalidArgument("Bad request: `" + field + "` is not a valid payload field path");
  }
  std::lock_guard<std::mutex> admin(index_admin_mu_);
  if (dropped_) return Status::NotFound("Collection `" + name_ + "` doesn't exist!");
  FieldIndexEntry previous;
  FieldIndex* index = nullptr;
  {
    std::unique_lock<std::shared_mutex> schema_lock(schema_mu_);
    std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
    auto it = field_indexes_.find(field);
    if (it != field_indexes_.end() && it->second.index->schema() == schema) return Status::OK();
    if (it != field_indexes_.end()) previous = std::move(it->second);
    // From here on every applied write also goes into the new index; until it
    // is ready, filters on the field read payloads.
    auto& entry = field_indexes_[field];
    entry.index = std::make_unique<FieldIndex>(*path, schema);
    entry.ready = false;
    index = entry.index.get();
  }
  Status s = FillFieldIndex(index);
  if (s.ok()) s = PersistFieldIndexes();
  std::unique_lock<std::shared_mutex> schema_lock(schema_mu_);
  std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
  if (!s.ok()) {
    if (previous.index) {
      field_indexes_[field] = std::move(previous);
    } else {
      field_indexes_.erase(field);
    }
    return s;
  }
  field_indexes_[field].ready = true;
  return Status::OK();
}

Status Collection::DropFieldIndex(const std::string& field) {
  std::lock_guard<std::mutex> admin(index_admin_mu_);
  FieldIndexEntry removed;
  {
    std::unique_lock<std::shared_mutex> schema_lock(schema_mu_);
    std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
    auto it = field_indexes_.find(field);
    if (it == field_indexes_.end()) return Status::OK();
    removed = std::move(it->second);
    field_indexes_.erase(it);
  }
  Status s = PersistFieldIndexes();
  if (!s.ok()) {
    std::unique_lock<std::shared_mutex> schema_lock(schema_mu_);
    std::unique_lock<std::shared_mutex> payload_lock(payload_mu_);
    field_indexes_[field] = std::move(removed);  // the stored list still has it
  }
  return s;
}

// --- resolving filters ------------------------------------------------------

Status Collection::CheckFilter(const Filter& filter) const {
  std::shared_lock<std::shared_mutex> schema(schema_mu_);
  std::function<Status(const Filter&, size_t)> check_filter;
  std::function<Status(const Condition&, size_t)> check = [&](const Condition& c, size_t depth) -> Status {
    if (const auto* f = std::get_if<FieldCondition>(&c.c)) {
      auto it = field_indexes_.find(f->key.text);
      if (it != field_indexes_.end()) return it->second.index->Check(*f);
      return Status::OK();
    }
    if (const auto* n = std::get_if<Nested>(&c.c)) return check_filter(*n->filter, depth + 1);
    if (const auto* sub = std::get_if<std::shared_ptr<const Filter>>(&c.c)) return check_filter(**sub, depth + 1);
    return Status::OK();
  };
  check_filter = [&](const Filter& f, size_t depth) -> Status {
    if (depth > kMaxFilterDepth) {
      return Status::InvalidArgument("Bad request: filter nested deeper than " + std::to_string(kMaxFilterDepth));
    }
    for (const auto* list : {&f.must, &f.should, &f.must_not}) {
      for (const Condition& c : *list) RETURN_IF_ERROR(check(c, depth));
    }
    if (f.min_should) {
      for (const Condition& c : f.min_should->conditions) RETURN_IF_ERROR(check(c, depth));
    }
    return Status::OK();
  };
  return check_filter(filter, 0);
}

Result<Bitmap> Collection::ResolveFilter(const Filter& filter) const {
  RETURN_IF_ERROR(CheckFilter(filter));
  std::shared_lock<std::shared_mutex> schema(schema_mu_);  // the set of indexes stays put

  auto served_by = [&](const FieldCondition& f) -> const FieldIndex* {
    auto it = field_indexes_.find(f.key.text);
    if (it == field_indexes_.end() || !it->second.ready) return nullptr;
    return it->second.index->Serves(f) ? it->second.index.get() : nullptr;
  };

  // Conditions no index answers are evaluated on every stored payload, in one pass.
  std::vector<const Condition*> unserved;
  std::function<void(const Filter&)> collect = [&](const Filter& f) {
    auto visit = [&](const Condition& c) {
      if (const auto* fc = std::get_if<FieldCondition>(&c.c)) {
        if (served_by(*fc) == nullptr) unserved.push_back(&c);
      } else if (std::holds_alternative<Nested>(c.c)) {
        unserved.push_back(&c);
      } else if (const auto* sub = std::get_if<std::shared_ptr<const Filter>>(&c.c)) {
        collect(**sub);
      }
    };
    for (const auto* list : {&f.must, &f.should, &f.must_not}) {
      for (const Condition& c : *list) visit(c);
    }
    if (f.min_should) {
      for (const Condition& c : f.min_should->conditions) visit(c);
    }
  };
  collect(filter);

  std::unordered_map<const Condition*, Bitmap> scanned;
  std::optional<Bitmap> seen;  // offsets the scan read: its view of the collection
  if (!unserved.empty()) {
    std::vector<Bitmap> bits(unserved.size());
    seen.emplace();
    RETURN_IF_ERROR(store_->ForEachPayload([&](const PointId& id, Offset offset, std::string_view text) -> Status {
      ASSIGN_OR_RETURN(JsonValue payload, ParsePayload(text));
      seen->add(offset);
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
  Bitmap universe = live_;
  if (seen) universe &= *seen;
  std::function<Bitmap(const Filter&)> combine;
  auto eval = [&](const Condition& c) -> Bitmap {
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
      // at_least[j]: offsets matching at least j of the conditions seen so far.
      const size_t m = f.min_should->min_count;
      if (m > f.min_should->conditions.size()) return Bitmap();
      std::vector<Bitmap> at_least(m + 1);
      at_least[0] = r;
      for (const Condition& c : f.min_should->conditions) {
        const Bitmap b = eval(c);
        for (size_t j = m; j >= 1; --j) at_least[j] |= at_least[j - 1] & b;
      }
      r = std::move(at_least[m]);
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
  ASSIGN_OR_RETURN(Bitmap matching, ResolveFilter(filter));
  std::vector<PointId> ids;
  ids.reserve(matching.cardinality());
  std::shared_lock<std::shared_mutex> lock(ids_mu_);
  for (const auto& [id, offset] : id_to_offset_) {
    if (matching.contains(offset)) ids.push_back(id);
  }
  return ids;
}

// --- writes that select by filter -------------------------------------------

Result<SeqNo> Collection::DeleteByFilter(const Filter& filter) {
  ASSIGN_OR_RETURN(std::vector<PointId> candidates, MatchingIds(filter));
  PendingWrite write;
  return Commit(std::move(write), [&](PendingWrite* w) -> Status {
    for (const PointId& id : candidates) {
      ASSIGN_OR_RETURN(auto latest, GetLatest(id));
      if (!latest) continue;
      ASSIGN_OR_RETURN(JsonValue payload, ParsePayload(latest->payload));
      if (Matches(filter, id, payload)) w->deletes.push_back(id);
    }
    return Status::OK();
  });
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
  PendingWrite write;
  return Commit(std::move(write), [&](PendingWrite* w) -> Status {
    for (const PointId& id : targets) {
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
  });
}

}  // namespace sextant
