// Payload endpoints: set, overwrite, delete keys, clear; payload indexes.
#include "api/handlers/handler_util.h"
#include "api/handlers/handlers.h"
#include "common/json_value.h"

namespace sextant::api {

namespace {

Result<JsonValue> ReadPayloadObject(JsonElement body) {
  auto payload = Field(body, "payload");
  if (!payload) return FormatError("missing field `payload`");
  if (!payload->is_object()) return FormatError("payload: expected an object");
  return ParseJson(Minify(*payload));
}

Result<FieldPath> ReadPath(JsonElement e, std::string_view what) {
  ASSIGN_OR_RETURN(std::string_view text, ReadString(e, what));
  auto path = ParseFieldPath(text);
  if (!path) return FormatError(std::string(what) + ": `" + std::string(text) + "` is not a valid key path");
  return *path;
}

// A payload operation endpoint: reads the op from the body with `read_op`,
// then applies it to the selected points.
Handler PayloadHandler(Database& db, std::function<Result<PayloadOp>(JsonElement)> read_op) {
  return JsonHandler([&db, read_op = std::move(read_op)](const HttpRequest& req) -> Result<std::string> {
    ASSIGN_OR_RETURN(bool wait, ReadWaitParam(req));
    ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
    ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, false));
    ASSIGN_OR_RETURN(PayloadOp op, read_op(body));
    ASSIGN_OR_RETURN(PointSelector selector, ReadPointSelector(body));
    ASSIGN_OR_RETURN(SeqNo seq, c->UpdatePayload(selector, op));
    return UpdateResultJson(seq, wait);
  });
}

Result<PayloadSchema> ReadFieldSchema(JsonElement e) {
  std::string_view name;
  if (e.is_object()) {
    auto type = Field(e, "type");
    if (!type) return FormatError("field_schema: missing field `type`");
    ASSIGN_OR_RETURN(name, ReadString(*type, "field_schema.type"));
  } else {
    ASSIGN_OR_RETURN(name, ReadString(e, "field_schema"));
  }
  if (auto schema = ParsePayloadSchema(name)) return *schema;
  if (name == "geo" || name == "text") {
    return Status::InvalidArgument("Bad request: " + std::string(name) + " payload indexes are not supported");
  }
  return FormatError("field_schema: unknown variant `" + std::string(name) +
                     "`, expected one of `keyword`, `integer`, `float`, `bool`, `datetime`, `uuid`");
}

}  // namespace

void RegisterPayloadRoutes(Router& router, Database& db) {
  router.AddWrite("POST", "/collections/{collection_name}/points/payload",
                  PayloadHandler(db, [](JsonElement body) -> Result<PayloadOp> {
                    PayloadOp op;
                    op.kind = PayloadOp::Kind::kSet;
                    ASSIGN_OR_RETURN(op.payload, ReadPayloadObject(body));
                    if (auto key = Field(body, "key")) { ASSIGN_OR_RETURN(op.key, ReadPath(*key, "key")); }
                    return op;
                  }));
  router.AddWrite("PUT", "/collections/{collection_name}/points/payload",
                  PayloadHandler(db, [](JsonElement body) -> Result<PayloadOp> {
                    PayloadOp op;
                    op.kind = PayloadOp::Kind::kOverwrite;
                    ASSIGN_OR_RETURN(op.payload, ReadPayloadObject(body));
                    if (Field(body, "key")) {
                      return Status::InvalidArgument("Wrong input: `key` is not allowed when overwriting a payload");
                    }
                    return op;
                  }));
  router.AddWrite("POST", "/collections/{collection_name}/points/payload/delete",
                  PayloadHandler(db, [](JsonElement body) -> Result<PayloadOp> {
                    PayloadOp op;
                    op.kind = PayloadOp::Kind::kDeleteKeys;
                    auto keys = Field(body, "keys");
                    if (!keys) return FormatError("missing field `keys`");
                    if (!keys->is_array()) return FormatError("keys: expected an array of strings");
                    for (JsonElement k : AsArray(*keys)) {
                      ASSIGN_OR_RETURN(FieldPath path, ReadPath(k, "keys"));
                      op.keys.push_back(std::move(path));
                    }
                    return op;
                  }));
  router.AddWrite("POST", "/collections/{collection_name}/points/payload/clear",
                  PayloadHandler(db, [](JsonElement) -> Result<PayloadOp> {
                    PayloadOp op;
                    op.kind = PayloadOp::Kind::kClear;
                    return op;
                  }));

  router.AddWrite("PUT", "/collections/{collection_name}/index",
                  JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
                    ASSIGN_OR_RETURN(bool wait, ReadWaitParam(req));
                    ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
                    ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, false));
                    auto field = Field(body, "field_name");
                    if (!field) return FormatError("missing field `field_name`");
                    ASSIGN_OR_RETURN(std::string_view name, ReadString(*field, "field_name"));
                    if (name.empty()) return FormatError("field_name: must not be empty");
                    auto schema = Field(body, "field_schema");
                    if (!schema) return FormatError("missing field `field_schema`");
                    ASSIGN_OR_RETURN(PayloadSchema type, ReadFieldSchema(*schema));
                    RETURN_IF_ERROR(c->CreateFieldIndex(std::string(name), type));
                    return UpdateResultJson(c->last_seq(), wait);
                  }));
  router.AddWrite("DELETE", "/collections/{collection_name}/index/{field_name}",
                  JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
                    ASSIGN_OR_RETURN(bool wait, ReadWaitParam(req));
                    ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
                    RETURN_IF_ERROR(c->DropFieldIndex(req.PathParam("field_name")));
                    return UpdateResultJson(c->last_seq(), wait);
                  }));
}

}  // namespace sextant::api
