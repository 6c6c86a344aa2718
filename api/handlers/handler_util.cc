#include "api/handlers/handler_util.h"

#include "api/error_mapping.h"

namespace sextant::api {

Handler JsonHandler(std::function<Result<std::string>(const HttpRequest&)> fn) {
  return [fn = std::move(fn)](const HttpRequest& request) {
    const auto start = std::chrono::steady_clock::now();
    Result<std::string> result = fn(request);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!result.ok()) return ErrorResponse(result.status(), secs);
    return OkResponse(*result, secs);
  };
}

void WritePointId(JsonWriter& w, const PointId& id) {
  if (id.is_num()) {
    w.Uint(id.num());
  } else {
    w.String(id.ToString());
  }
}

void WriteVector(JsonWriter& w, const std::vector<float>& v) {
  w.BeginArray();
  for (float x : v) w.Float(x);
  w.EndArray();
}

void WriteScoredPoint(JsonWriter& w, const ScoredPoint& p, const PayloadSelector& payload) {
  w.BeginObject();
  w.Key("id");
  WritePointId(w, p.id);
  w.Key("version").Uint(p.version);
  w.Key("score").Float(p.score);
  if (payload.wanted() && p.payload) w.Key("payload").Raw(SelectPayload(*p.payload, payload));
  if (p.vector) {
    w.Key("vector");
    WriteVector(w, *p.vector);
  }
  w.EndObject();
}

void WriteRecord(JsonWriter& w, const Record& r, const PayloadSelector& payload) {
  w.BeginObject();
  w.Key("id");
  WritePointId(w, r.id);
  if (payload.wanted() && r.payload) w.Key("payload").Raw(SelectPayload(*r.payload, payload));
  if (r.vector) {
    w.Key("vector");
    WriteVector(w, *r.vector);
  }
  w.EndObject();
}

Result<bool> ReadWaitParam(const HttpRequest& request) {
  auto wait = request.QueryParam("wait");
  if (!wait) return false;
  if (*wait == "true" || wait->empty()) return true;
  if (*wait == "false") return false;
  return Status::InvalidArgument("Format error in query string: wait must be true or false");
}

std::string UpdateResultJson(SeqNo seq, bool wait) {
  JsonWriter w;
  w.BeginObject().Key("operation_id").Uint(seq);
  w.Key("status").String(wait ? "completed" : "acknowledged").EndObject();
  return w.Take();
}

Result<PointSelector> ReadPointSelector(JsonElement body) {
  auto points = Field(body, "points");
  auto filter = Field(body, "filter");
  if (points && filter) return FormatError("give either `points` or `filter`, not both");
  PointSelector selector;
  if (points) {
    ASSIGN_OR_RETURN(selector.ids, ReadPointIds(*points, "points"));
    return selector;
  }
  if (!filter) return FormatError("expected `points` or `filter`");
  ASSIGN_OR_RETURN(selector.filter, ReadFilter(*filter));
  if (!selector.filter) selector.filter = std::make_shared<const Filter>();  // {} selects every point
  return selector;
}

// A point's vector: a list, or {"": list} (Qdrant's map of named vectors with
// the default name).
Result<std::vector<float>> ReadPointVector(JsonElement e, std::string_view what) {
  if (e.is_object()) {
    auto obj = AsObject(e);
    if (obj.size() != 1) {
      return Status::InvalidArgument("Wrong input: named vectors are not supported yet");
    }
    for (auto [name, value] : obj) {
      if (!name.empty()) {
        return Status::InvalidArgument("Wrong input: Not existing vector name error: " + std::string(name));
      }
      return ReadVector(value, what);
    }
  }
  return ReadVector(e, what);
}

Result<std::string> ReadPayload(std::optional<JsonElement> e, std::string_view what) {
  if (!e) return std::string();
  if (!e->is_object()) return FormatError(std::string(what) + ": expected an object");
  return Minify(*e);
}

Result<PointInput> ReadPointStruct(JsonElement p) {
  PointInput in;
  auto id = Field(p, "id");
  if (!id) return FormatError("missing field `id`");
  ASSIGN_OR_RETURN(in.id, ReadPointId(*id));
  auto vector = Field(p, "vector");
  if (!vector) return FormatError("missing field `vector`");
  ASSIGN_OR_RETURN(in.vector, ReadPointVector(*vector, "vector"));
  ASSIGN_OR_RETURN(in.payload, ReadPayload(Field(p, "payload"), "payload"));
  return in;
}

}  // namespace sextant::api
