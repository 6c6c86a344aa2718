// Point endpoints: upsert, retrieve, get, delete, scroll, count.
#include "api/handlers/handler_util.h"
#include "api/handlers/handlers.h"

namespace sextant::api {

namespace {

constexpr size_t kMaxScrollLimit = 100000;

Result<std::vector<PointInput>> ReadUpsert(JsonElement body) {
  std::vector<PointInput> points;
  if (auto list = Field(body, "points")) {
    if (!list->is_array()) return FormatError("points: expected an array");
    for (JsonElement p : AsArray(*list)) {
      if (!p.is_object()) return FormatError("points: expected an array of objects");
      ASSIGN_OR_RETURN(PointInput in, ReadPointStruct(p));
      points.push_back(std::move(in));
    }
  } else if (auto batch = Field(body, "batch")) {
    if (!batch->is_object()) return FormatError("batch: expected an object");
    auto ids = Field(*batch, "ids");
    auto vectors = Field(*batch, "vectors");
    if (!ids) return FormatError("missing field `batch.ids`");
    if (!vectors) return FormatError("missing field `batch.vectors`");
    ASSIGN_OR_RETURN(std::vector<PointId> id_list, ReadPointIds(*ids, "batch.ids"));
    if (vectors->is_object()) {
      auto named = AsObject(*vectors);
      if (named.size() != 1 || !Field(*vectors, "")) {
        return Status::InvalidArgument("Wrong input: named vectors are not supported yet");
      }
      vectors = Field(*vectors, "");
    }
    if (!vectors->is_array()) return FormatError("batch.vectors: expected an array");
    auto vector_list = AsArray(*vectors);
    std::optional<simdjson::dom::array> payload_list;
    if (auto payloads = Field(*batch, "payloads")) {
      if (!payloads->is_array()) return FormatError("batch.payloads: expected an array");
      payload_list = AsArray(*payloads);
      if (payload_list->size() != id_list.size()) {
        return Status::InvalidArgument("Wrong input: batch.payloads has " +
                                       std::to_string(payload_list->size()) + " entries for " +
                                       std::to_string(id_list.size()) + " ids");
      }
    }
    if (vector_list.size() != id_list.size()) {
      return Status::InvalidArgument("Wrong input: batch.vectors has " +
                                     std::to_string(vector_list.size()) + " entries for " +
                                     std::to_string(id_list.size()) + " ids");
    }
    points.resize(id_list.size());
    size_t i = 0;
    for (JsonElement v : vector_list) {
      points[i].id = id_list[i];
      ASSIGN_OR_RETURN(points[i].vector, ReadVector(v, "batch.vectors"));
      ++i;
    }
    if (payload_list) {
      i = 0;
      for (JsonElement p : *payload_list) {
        std::optional<JsonElement> value;
        if (!p.is_null()) value = p;
        ASSIGN_OR_RETURN(points[i].payload, ReadPayload(value, "batch.payloads"));
        ++i;
      }
    }
  } else {
    return FormatError("expected `points` or `batch`");
  }
  if (points.empty()) return Status::InvalidArgument("Wrong input: Empty batch: no points to upsert");
  return points;
}

Result<PayloadSelector> SelectorOr(JsonElement body, bool default_on) {
  if (auto e = Field(body, "with_payload")) return ReadPayloadSelector(*e);
  PayloadSelector s;
  s.mode = default_on ? PayloadSelector::Mode::kAll : PayloadSelector::Mode::kNone;
  return s;
}

Result<bool> WithVectorOr(JsonElement body, bool default_on) {
  if (auto e = Field(body, "with_vector")) return ReadWithVector(*e);
  return default_on;
}

std::string RecordsJson(const std::vector<Record>& records, const PayloadSelector& payload) {
  JsonWriter w;
  w.BeginArray();
  for (const Record& r : records) WriteRecord(w, r, payload);
  w.EndArray();
  return w.Take();
}

Result<PointId> PathPointId(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 20) {
    errno = 0;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
    if (errno == 0 && *end == '\0') return PointId::Num(n);
  }
  if (auto id = PointId::ParseUuid(text)) return *id;
  return Status::InvalidArgument("Wrong input: value " + text +
                                 " is not a valid point ID, valid values are either an unsigned "
                                 "integer or a UUID");
}

}  // namespace

void RegisterPointRoutes(Router& router, Database& db) {
  router.AddWrite("PUT", "/collections/{collection_name}/points",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(bool wait, ReadWaitParam(req));
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, false));
               ASSIGN_OR_RETURN(auto points, ReadUpsert(body));
               ASSIGN_OR_RETURN(SeqNo seq, c->Upsert(std::move(points)));
               return UpdateResultJson(seq, wait);
             }));

  router.Add("POST", "/collections/{collection_name}/points",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, false));
               auto ids = Field(body, "ids");
               if (!ids) return FormatError("missing field `ids`");
               ASSIGN_OR_RETURN(auto id_list, ReadPointIds(*ids, "ids"));
               ASSIGN_OR_RETURN(PayloadSelector payload, SelectorOr(body, true));
               ASSIGN_OR_RETURN(bool with_vector, WithVectorOr(body, false));
               ASSIGN_OR_RETURN(auto records, c->Retrieve(id_list, payload.wanted(), with_vector));
               return RecordsJson(records, payload);
             }));

  router.Add("GET", "/collections/{collection_name}/points/{id}",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(PointId id, PathPointId(req.PathParam("id")));
               ASSIGN_OR_RETURN(auto records, c->Retrieve({&id, 1}, true, true));
               if (records.empty()) {
                 return Status::NotFound("Not found: No point with id " + id.ToString() + " found");
               }
               JsonWriter w;
               PayloadSelector all;
               all.mode = PayloadSelector::Mode::kAll;
               WriteRecord(w, records[0], all);
               return w.Take();
             }));

  router.AddWrite("POST", "/collections/{collection_name}/points/delete",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(bool wait, ReadWaitParam(req));
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, false));
               ASSIGN_OR_RETURN(PointSelector selector, ReadPointSelector(body));
               SeqNo seq = 0;
               if (selector.filter) {
                 ASSIGN_OR_RETURN(seq, c->DeleteByFilter(*selector.filter));
               } else {
                 ASSIGN_OR_RETURN(seq, c->Delete(selector.ids));
               }
               return UpdateResultJson(seq, wait);
             }));

  router.Add("POST", "/collections/{collection_name}/points/scroll",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body));
               ASSIGN_OR_RETURN(auto filter, ReadFilterField(body));
               size_t limit = 10;
               if (auto v = Field(body, "limit")) { ASSIGN_OR_RETURN(limit, ReadUint(*v, "limit")); }
               if (limit == 0 || limit > kMaxScrollLimit) {
                 return Status::InvalidArgument("Wrong input: limit must be between 1 and " +
                                                std::to_string(kMaxScrollLimit));
               }
               std::optional<PointId> from;
               if (auto v = Field(body, "offset")) { ASSIGN_OR_RETURN(from, ReadPointId(*v)); }
               if (Field(body, "order_by")) {
                 return Status::InvalidArgument("Wrong input: order_by is not supported yet");
               }
               ASSIGN_OR_RETURN(PayloadSelector payload, SelectorOr(body, true));
               ASSIGN_OR_RETURN(bool with_vector, WithVectorOr(body, false));
               ASSIGN_OR_RETURN(ScrollPage page, c->Scroll(from, limit, payload.wanted(), with_vector, filter.get()));
               JsonWriter w;
               w.BeginObject().Key("points").BeginArray();
               for (const Record& r : page.points) WriteRecord(w, r, payload);
               w.EndArray().Key("next_page_offset");
               if (page.next_page_offset) {
                 WritePointId(w, *page.next_page_offset);
               } else {
                 w.Null();
               }
               w.EndObject();
               return w.Take();
             }));

  router.Add("POST", "/collections/{collection_name}/points/count",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body));
               ASSIGN_OR_RETURN(auto filter, ReadFilterField(body));
               if (auto v = Field(body, "exact")) { RETURN_IF_ERROR(ReadBool(*v, "exact").status()); }
               size_t count = 0;
               if (filter) {
                 ASSIGN_OR_RETURN(count, c->Count(*filter));
               } else {
                 count = c->Count();
               }
               return "{\"count\":" + std::to_string(count) + "}";
             }));
}

}  // namespace sextant::api
