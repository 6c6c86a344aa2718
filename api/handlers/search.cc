// Search endpoints: legacy search (+batch) and the universal query (+batch).
#include "api/handlers/handler_util.h"
#include "api/handlers/handlers.h"
#include "api/handlers/search_params.h"

namespace sextant::api {

namespace {

constexpr size_t kMaxResultWindow = 100000;  // offset + limit, and MMR candidates
constexpr size_t kMaxBatch = 1000;

struct ParsedSearch {
  QueryOptions options;
  PayloadSelector payload;
  std::optional<PointId> by_id;  // query by a stored point's vector
  bool has_query = true;         // false: points in id order (query without `query`)
};

// The fields shared by search and query requests.
Status ReadCommon(JsonElement body, ParsedSearch* out) {
  QueryOptions& o = out->options;
  ASSIGN_OR_RETURN(o.filter, ReadFilterField(body));
  auto limit = Field(body, "limit");
  if (!limit) limit = Field(body, "top");
  if (limit) { ASSIGN_OR_RETURN(o.limit, ReadUint(*limit, "limit")); }
  if (o.limit == 0) return Status::InvalidArgument("Validation error in JSON body: limit: must be at least 1");
  if (auto v = Field(body, "offset")) { ASSIGN_OR_RETURN(o.offset, ReadUint(*v, "offset")); }
  if (o.limit > kMaxResultWindow || o.offset > kMaxResultWindow - o.limit) {
    return Status::InvalidArgument("Wrong input: offset + limit must not exceed " +
                                   std::to_string(kMaxResultWindow));
  }
  if (auto v = Field(body, "score_threshold")) {
    ASSIGN_OR_RETURN(double t, ReadNumber(*v, "score_threshold"));
    o.score_threshold = static_cast<float>(t);
  }
  if (auto v = Field(body, "with_payload")) { ASSIGN_OR_RETURN(out->payload, ReadPayloadSelector(*v)); }
  o.with_payload = out->payload.wanted();
  if (auto v = Field(body, "with_vector")) { ASSIGN_OR_RETURN(o.with_vector, ReadWithVector(*v)); }
  if (auto params = Field(body, "params")) { RETURN_IF_ERROR(ReadSearchParams(*params, &o)); }
  if (auto v = Field(body, "using")) {
    ASSIGN_OR_RETURN(std::string_view name, ReadString(*v, "using"));
    if (!name.empty()) {
      return Status::InvalidArgument("Wrong input: Not existing vector name error: " + std::string(name));
    }
  }
  return Status::OK();
}

Result<ParsedSearch> ReadLegacySearch(JsonElement body) {
  ParsedSearch s;
  RETURN_IF_ERROR(ReadCommon(body, &s));
  auto vector = Field(body, "vector");
  if (!vector) return FormatError("missing field `vector`");
  if (vector->is_object()) {  // {"name": "", "vector": [...]}
    if (auto name = Field(*vector, "name")) {
      ASSIGN_OR_RETURN(std::string_view n, ReadString(*name, "vector.name"));
      if (!n.empty()) {
        return Status::InvalidArgument("Wrong input: Not existing vector name error: " + std::string(n));
      }
    }
    auto inner = Field(*vector, "vector");
    if (!inner) return FormatError("missing field `vector.vector`");
    vector = inner;
  }
  ASSIGN_OR_RETURN(s.options.vector, ReadVector(*vector, "vector"));
  return s;
}

// A query's `query` value: a vector, a point id, or {"nearest": …, "mmr": …}.
Status ReadQueryValue(JsonElement q, ParsedSearch* s) {
  if (q.is_array()) {
    ASSIGN_OR_RETURN(s->options.vector, ReadVector(q, "query"));
    return Status::OK();
  }
  if (q.is_uint64() || q.is_string()) {
    ASSIGN_OR_RETURN(s->by_id, ReadPointId(q));
    return Status::OK();
  }
  if (!q.is_object()) return FormatError("query: expected a vector, a point id or an object");
  auto nearest = Field(q, "nearest");
  if (!nearest) {
    return Status::InvalidArgument(
        "Wrong input: only plain vectors, point ids and `nearest` queries are supported");
  }
  if (nearest->is_object() && Field(*nearest, "indices")) {
    return Status::InvalidArgument("Wrong input: sparse vectors are not supported");
  }
  RETURN_IF_ERROR(ReadQueryValue(*nearest, s));
  if (auto mmr = Field(q, "mmr")) {
    if (!mmr->is_object()) return FormatError("query.mmr: expected an object");
    MmrOptions m;
    if (auto v = Field(*mmr, "diversity")) {
      ASSIGN_OR_RETURN(double d, ReadNumber(*v, "mmr.diversity"));
      if (d < 0 || d > 1) return Status::InvalidArgument("Validation error in JSON body: mmr.diversity must be in [0, 1]");
      m.diversity = static_cast<float>(d);
    }
    if (auto v = Field(*mmr, "candidates_limit")) {
      ASSIGN_OR_RETURN(m.candidates_limit, ReadUint(*v, "mmr.candidates_limit"));
      if (m.candidates_limit > kMaxResultWindow) {
        return Status::InvalidArgument("Wrong input: mmr.candidates_limit is too large");
      }
    }
    s->options.mmr = m;
  }
  return Status::OK();
}

Result<ParsedSearch> ReadQuery(JsonElement body) {
  ParsedSearch s;
  RETURN_IF_ERROR(ReadCommon(body, &s));
  if (Field(body, "prefetch")) return Status::InvalidArgument("Wrong input: prefetch is not supported yet");
  auto q = Field(body, "query");
  if (!q) {
    s.has_query = false;
    return s;
  }
  RETURN_IF_ERROR(ReadQueryValue(*q, &s));
  return s;
}

Result<std::vector<ScoredPoint>> Run(const Collection& c, ParsedSearch& s) {
  if (!s.has_query) {  // points in id order, as Qdrant answers a query without `query`
    ASSIGN_OR_RETURN(ScrollPage page, c.Scroll(std::nullopt, s.options.offset + s.options.limit,
                                               s.options.with_payload, s.options.with_vector,
                                               s.options.filter.get()));
    std::vector<ScoredPoint> out;
    for (size_t i = s.options.offset; i < page.points.size(); ++i) {
      Record& r = page.points[i];
      out.push_back(ScoredPoint{r.id, 0, 0.0f, std::move(r.payload), std::move(r.vector)});
    }
    return out;
  }
  if (s.by_id) {
    ASSIGN_OR_RETURN(auto records, c.Retrieve({&*s.by_id, 1}, false, true));
    if (records.empty()) return Status::NotFound("Not found: No point with id " + s.by_id->ToString() + " found");
    s.options.vector = std::move(*records[0].vector);
    // The point itself is not its own neighbour: the search never returns it.
    s.options.exclude = *s.by_id;
    ASSIGN_OR_RETURN(auto hits, c.Query(s.options));
    return hits;
  }
  return c.Query(s.options);
}

void WritePoints(JsonWriter& w, const std::vector<ScoredPoint>& points, const PayloadSelector& payload) {
  w.BeginArray();
  for (const ScoredPoint& p : points) WriteScoredPoint(w, p, payload);
  w.EndArray();
}

Result<simdjson::dom::array> ReadSearches(JsonElement body) {
  auto searches = Field(body, "searches");
  if (!searches) return FormatError("missing field `searches`");
  if (!searches->is_array()) return FormatError("searches: expected an array");
  auto list = AsArray(*searches);
  if (list.size() > kMaxBatch) {
    return Status::InvalidArgument("Wrong input: at most " + std::to_string(kMaxBatch) + " searches per batch");
  }
  return list;
}

// A batch endpoint: parses every entry with `read` before running any (one bad
// entry fails the whole batch), then writes each result with `write`.
template <typename Read, typename Write>
Handler BatchHandler(Database& db, Read read, Write write) {
  return JsonHandler([&db, read, write](const HttpRequest& req) -> Result<std::string> {
    ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
    ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, false));
    ASSIGN_OR_RETURN(auto searches, ReadSearches(body));
    std::vector<ParsedSearch> parsed;
    for (JsonElement e : searches) {
      if (!e.is_object()) return FormatError("searches: expected objects");
      ASSIGN_OR_RETURN(ParsedSearch s, read(e));
      parsed.push_back(std::move(s));
    }
    JsonWriter w;
    w.BeginArray();
    for (ParsedSearch& s : parsed) {
      ASSIGN_OR_RETURN(auto hits, Run(*c, s));
      write(w, s, hits);
    }
    w.EndArray();
    return w.Take();
  });
}

}  // namespace

void RegisterSearchRoutes(Router& router, Database& db) {
  router.Add("POST", "/collections/{collection_name}/points/search",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, false));
               ASSIGN_OR_RETURN(ParsedSearch s, ReadLegacySearch(body));
               ASSIGN_OR_RETURN(auto hits, Run(*c, s));
               JsonWriter w;
               WritePoints(w, hits, s.payload);
               return w.Take();
             }));

  router.Add("POST", "/collections/{collection_name}/points/search/batch",
             BatchHandler(db, ReadLegacySearch, [](JsonWriter& w, const ParsedSearch& s, const auto& hits) {
               WritePoints(w, hits, s.payload);
             }));

  router.Add("POST", "/collections/{collection_name}/points/query",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body));
               ASSIGN_OR_RETURN(ParsedSearch s, ReadQuery(body));
               ASSIGN_OR_RETURN(auto hits, Run(*c, s));
               JsonWriter w;
               w.BeginObject().Key("points");
               WritePoints(w, hits, s.payload);
               w.EndObject();
               return w.Take();
             }));

  router.Add("POST", "/collections/{collection_name}/points/query/batch",
             BatchHandler(db, ReadQuery, [](JsonWriter& w, const ParsedSearch& s, const auto& hits) {
               w.BeginObject().Key("points");
               WritePoints(w, hits, s.payload);
               w.EndObject();
             }));
}

}  // namespace sextant::api
