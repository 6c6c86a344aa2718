// Collection endpoints: create, list, info, exists, delete.
#include "api/handlers/handler_util.h"
#include "api/handlers/handlers.h"

namespace sextant::api {

namespace {

Status ReadHnswConfig(JsonElement e, HnswConfig* hnsw) {
  if (!e.is_object()) return FormatError("hnsw_config: expected an object");
  if (auto v = Field(e, "m")) { ASSIGN_OR_RETURN(hnsw->m, ReadUint(*v, "hnsw_config.m")); }
  if (auto v = Field(e, "ef_construct")) {
    ASSIGN_OR_RETURN(hnsw->ef_construct, ReadUint(*v, "hnsw_config.ef_construct"));
  }
  if (auto v = Field(e, "full_scan_threshold")) {
    ASSIGN_OR_RETURN(hnsw->full_scan_threshold, ReadUint(*v, "hnsw_config.full_scan_threshold"));
  }
  // Our extension: the default search beam width (Qdrant uses ef_construct).
  if (auto v = Field(e, "ef")) { ASSIGN_OR_RETURN(hnsw->ef, ReadUint(*v, "hnsw_config.ef")); }
  return Status::OK();
}

// Our extension: {"nlist": N|null, "nprobe": N|null, "quantizer": "flat"|"sq8"|"pq",
// "pq_m": N|null}; absent fields keep their value, null makes one automatic (0).
Status ReadIvfConfig(JsonElement e, IvfConfig* ivf) {
  if (!e.is_object()) return FormatError("ivf_config: expected an object");
  for (auto [key, value] : AsObject(e)) {
    if (!value.is_null()) continue;
    if (key == "nlist") ivf->nlist = 0;
    if (key == "nprobe") ivf->nprobe = 0;
    if (key == "pq_m") ivf->pq_m = 0;
  }
  if (auto v = Field(e, "nlist")) { ASSIGN_OR_RETURN(ivf->nlist, ReadUint(*v, "ivf_config.nlist")); }
  if (auto v = Field(e, "nprobe")) { ASSIGN_OR_RETURN(ivf->nprobe, ReadUint(*v, "ivf_config.nprobe")); }
  if (auto v = Field(e, "pq_m")) { ASSIGN_OR_RETURN(ivf->pq_m, ReadUint(*v, "ivf_config.pq_m")); }
  if (auto v = Field(e, "quantizer")) {
    ASSIGN_OR_RETURN(std::string_view name, ReadString(*v, "ivf_config.quantizer"));
    auto q = ParseIvfQuantizer(name);
    if (!q) {
      return FormatError("ivf_config.quantizer: unknown variant `" + std::string(name) +
                         "`, expected one of `flat`, `sq8`, `pq`");
    }
    ivf->quantizer = *q;
  }
  return Status::OK();
}

// Qdrant's QuantizationConfig. Only `scalar` (int8) is served; `product` and
// `binary` are refused rather than silently ignored (IVF-PQ is ivf_config's).
// `"Disabled"` (the update form) turns quantization off.
Status ReadQuantizationConfig(JsonElement e, std::optional<ScalarQuantization>* out) {
  if (e.is_string()) {
    ASSIGN_OR_RETURN(std::string_view text, ReadString(e, "quantization_config"));
    if (text != "Disabled") {
      return FormatError("quantization_config: unknown variant `" + std::string(text) + "`, expected `Disabled`");
    }
    out->reset();
    return Status::OK();
  }
  if (!e.is_object()) return FormatError("quantization_config: expected an object");
  if (Field(e, "product") || Field(e, "binary")) {
    return Status::InvalidArgument(
        "Wrong input: only scalar int8 quantization is supported (for product quantization use "
        "ivf_config with \"quantizer\": \"pq\")");
  }
  auto scalar = Field(e, "scalar");
  if (!scalar) return FormatError("quantization_config: expected `scalar`");
  if (!scalar->is_object()) return FormatError("quantization_config.scalar: expected an object");
  ScalarQuantization q;
  auto type = Field(*scalar, "type");
  if (!type) return FormatError("missing field `quantization_config.scalar.type`");
  ASSIGN_OR_RETURN(std::string_view type_name, ReadString(*type, "quantization_config.scalar.type"));
  if (type_name != "int8") {
    return FormatError("quantization_config.scalar.type: unknown variant `" + std::string(type_name) +
                       "`, expected `int8`");
  }
  if (auto v = Field(*scalar, "quantile")) {
    ASSIGN_OR_RETURN(q.quantile, ReadNumber(*v, "quantization_config.scalar.quantile"));
  }
  if (auto v = Field(*scalar, "always_ram")) {
    ASSIGN_OR_RETURN(q.always_ram, ReadBool(*v, "quantization_config.scalar.always_ram"));
  }
  *out = q;
  return Status::OK();
}

Status ReadOptimizersConfig(JsonElement o, OptimizerConfig* optimizer) {
  if (!o.is_object()) return FormatError("optimizers_config: expected an object");
  if (auto v = Field(o, "indexing_threshold")) {
    ASSIGN_OR_RETURN(optimizer->indexing_threshold_kb, ReadUint(*v, "optimizers_config.indexing_threshold"));
  }
  if (auto v = Field(o, "max_segment_size")) {
    ASSIGN_OR_RETURN(optimizer->max_segment_size_kb, ReadUint(*v, "optimizers_config.max_segment_size"));
  }
  return Status::OK();
}

// The index settings that create and update share: hnsw_config,
// quantization_config (top level or in `vectors`), ivf_config (top level; an
// object switches the collection to IVF), optimizers_config.
Status ReadIndexSettings(JsonElement body, std::optional<JsonElement> vectors, CollectionConfig* config) {
  // The vector's own settings win over the collection's, as in Qdrant.
  if (auto h = Field(body, "hnsw_config")) RETURN_IF_ERROR(ReadHnswConfig(*h, &config->hnsw));
  if (auto q = Field(body, "quantization_config")) RETURN_IF_ERROR(ReadQuantizationConfig(*q, &config->quantization));
  if (vectors && vectors->is_object()) {
    if (auto h = Field(*vectors, "hnsw_config")) RETURN_IF_ERROR(ReadHnswConfig(*h, &config->hnsw));
    if (auto q = Field(*vectors, "quantization_config")) {
      RETURN_IF_ERROR(ReadQuantizationConfig(*q, &config->quantization));
    }
  }
  if (auto ivf = Field(body, "ivf_config")) {
    RETURN_IF_ERROR(ReadIvfConfig(*ivf, &config->ivf));
    config->index = IndexKind::kIvf;
  }
  if (auto o = Field(body, "optimizers_config")) RETURN_IF_ERROR(ReadOptimizersConfig(*o, &config->optimizer));
  return Status::OK();
}

Result<CollectionConfig> ReadCreateCollection(JsonElement body) {
  CollectionConfig config;
  auto vectors = Field(body, "vectors");
  if (!vectors) return FormatError("missing field `vectors`");
  if (!vectors->is_object()) return FormatError("vectors: expected an object");
  if (!Field(*vectors, "size")) {
    return Status::InvalidArgument(
        "Wrong input: named vectors are not supported yet; use {\"size\": N, \"distance\": …}");
  }
  ASSIGN_OR_RETURN(config.dim, ReadUint(*Field(*vectors, "size"), "vectors.size"));
  auto distance = Field(*vectors, "distance");
  if (!distance) return FormatError("missing field `vectors.distance`");
  ASSIGN_OR_RETURN(std::string_view name, ReadString(*distance, "vectors.distance"));
  auto metric = ParseMetric(name);
  if (!metric) {
    return FormatError("vectors.distance: unknown variant `" + std::string(name) +
                       "`, expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan`");
  }
  config.metric = *metric;
  RETURN_IF_ERROR(ReadIndexSettings(body, vectors, &config));
  if (auto v = Field(body, "on_disk_payload")) {
    ASSIGN_OR_RETURN(config.on_disk_payload, ReadBool(*v, "on_disk_payload"));
  }
  if (auto wal = Field(body, "wal_config")) {
    if (!wal->is_object()) return FormatError("wal_config: expected an object");
    if (auto v = Field(*wal, "write_policy")) {  // our extension
      ASSIGN_OR_RETURN(std::string_view name, ReadString(*v, "wal_config.write_policy"));
      auto policy = ParseWritePolicy(name);
      if (!policy) {
        return FormatError("wal_config.write_policy: unknown variant `" + std::string(name) +
                           "`, expected one of `synced`, `async`");
      }
      config.write_policy = *policy;
    }
  }
  RETURN_IF_ERROR(config.Validate().WithContext("Wrong input"));
  return config;
}

// `ivf_config` (null for HNSW collections); automatic values are null.
void WriteIvfConfig(JsonWriter& w, const CollectionConfig& c) {
  w.Key("ivf_config");
  if (c.index != IndexKind::kIvf) {
    w.Null();
    return;
  }
  auto uint_or_auto = [&](const char* key, size_t v) {
    w.Key(key);
    if (v == 0) {
      w.Null();
    } else {
      w.Uint(v);
    }
  };
  w.BeginObject();
  uint_or_auto("nlist", c.ivf.nlist);
  uint_or_auto("nprobe", c.ivf.nprobe);
  w.Key("quantizer").String(IvfQuantizerName(c.ivf.quantizer));
  uint_or_auto("pq_m", c.ivf.pq_m);
  w.EndObject();
}

void WriteCollectionInfo(JsonWriter& w, const CollectionInfo& info) {
  const CollectionConfig& c = info.config;
  w.BeginObject();
  w.Key("status").String(info.status == CollectionInfo::Status::kGreen ? "green" : "yellow");
  w.Key("optimizer_status").String("ok");
  w.Key("warnings").BeginArray().EndArray();
  w.Key("indexed_vectors_count").Uint(info.indexed_vectors_count);
  w.Key("points_count").Uint(info.points_count);
  w.Key("segments_count").Uint(info.segments_count);
  w.Key("config").BeginObject();
  w.Key("params").BeginObject();
  w.Key("vectors").BeginObject().Key("size").Uint(c.dim).Key("distance").String(MetricName(c.metric)).EndObject();
  w.Key("shard_number").Uint(1).Key("replication_factor").Uint(1);
  w.Key("write_consistency_factor").Uint(1).Key("on_disk_payload").Bool(c.on_disk_payload);
  w.EndObject();
  w.Key("hnsw_config").BeginObject().Key("m").Uint(c.hnsw.m).Key("ef_construct").Uint(c.hnsw.ef_construct);
  w.Key("full_scan_threshold").Uint(c.hnsw.full_scan_threshold).Key("ef").Uint(c.hnsw.ef).EndObject();
  w.Key("optimizer_config").BeginObject();
  w.Key("deleted_threshold").Double(Collection::kVacuumDeletedShare);
  w.Key("vacuum_min_vector_number").Uint(Collection::kVacuumMinVectors);
  w.Key("default_segment_number").Uint(c.optimizer.default_segment_number);
  w.Key("max_segment_size").Uint(c.optimizer.max_segment_size_kb);
  w.Key("memmap_threshold").Null();
  w.Key("indexing_threshold").Uint(c.optimizer.indexing_threshold_kb);
  w.Key("flush_interval_sec").Uint(c.optimizer.flush_interval_sec);
  w.Key("max_optimization_threads").Null();
  w.EndObject();
  w.Key("wal_config").BeginObject().Key("wal_capacity_mb").Uint(32).Key("wal_segments_ahead").Uint(0);
  w.Key("write_policy").String(WritePolicyName(c.write_policy)).EndObject();
  if (c.quantization) {
    w.Key("quantization_config").BeginObject().Key("scalar").BeginObject();
    w.Key("type").String("int8").Key("quantile").Double(c.quantization->quantile);
    w.Key("always_ram").Bool(c.quantization->always_ram).EndObject().EndObject();
  } else {
    w.Key("quantization_config").Null();
  }
  WriteIvfConfig(w, c);
  w.EndObject();
  w.Key("payload_schema").BeginObject();
  for (const auto& field : info.payload_schema) {
    w.Key(field.field).BeginObject();
    w.Key("data_type").String(field.data_type);
    w.Key("points").Uint(field.points);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

void RegisterCollectionRoutes(Router& router, Database& db) {
  router.Add("GET", "/collections", JsonHandler([&db](const HttpRequest&) -> Result<std::string> {
    JsonWriter w;
    w.BeginObject().Key("collections").BeginArray();
    for (const auto& name : db.ListCollections()) w.BeginObject().Key("name").String(name).EndObject();
    w.EndArray().EndObject();
    return w.Take();
  }));

  router.AddWrite("PUT", "/collections/{collection_name}",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               const std::string& name = req.PathParam("collection_name");
               RETURN_IF_ERROR(Database::ValidateName(name).WithContext("Wrong input"));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, /*empty_is_object=*/false));
               ASSIGN_OR_RETURN(CollectionConfig config, ReadCreateCollection(body));
               RETURN_IF_ERROR(db.CreateCollection(name, config));
               return std::string("true");
             }));

  router.Add("GET", "/collections/{collection_name}",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               JsonWriter w;
               WriteCollectionInfo(w, c->Info());
               return w.Take();
             }));

  // Qdrant's UpdateCollection: index settings only (the vector size and
  // distance are fixed). Unknown keys are ignored, as Qdrant does.
  router.AddWrite("PATCH", "/collections/{collection_name}",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body));
               // Unnamed-vector diffs come as {"vectors": {"": {...}}}.
               std::optional<JsonElement> vectors = Field(body, "vectors");
               if (vectors && vectors->is_object()) {
                 if (auto unnamed = Field(*vectors, "")) vectors = unnamed;
               }
               RETURN_IF_ERROR(c->UpdateConfig([&](CollectionConfig* config) -> Status {
                 RETURN_IF_ERROR(ReadIndexSettings(body, vectors, config));
                 return config->Validate().WithContext("Wrong input");
               }));
               return std::string("true");
             }));

  // The IVF settings alone (the JS client's createCollection drops keys it
  // does not know, so ivf_config needs its own route): PUT switches the
  // collection to IVF with these settings, DELETE back to HNSW. Existing
  // segments are rebuilt in the background.
  router.Add("GET", "/collections/{collection_name}/ivf",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               JsonWriter w;
               w.BeginObject();
               WriteIvfConfig(w, c->config());
               w.EndObject();
               return w.Take();
             }));
  router.AddWrite("PUT", "/collections/{collection_name}/ivf",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body));
               RETURN_IF_ERROR(c->UpdateConfig([&](CollectionConfig* config) -> Status {
                 // A full setting: fields left out are automatic.
                 config->ivf = IvfConfig{};
                 RETURN_IF_ERROR(ReadIvfConfig(body, &config->ivf));
                 config->index = IndexKind::kIvf;
                 return config->Validate().WithContext("Wrong input");
               }));
               return std::string("true");
             }));
  router.AddWrite("DELETE", "/collections/{collection_name}/ivf",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               RETURN_IF_ERROR(c->UpdateConfig([](CollectionConfig* config) {
                 config->index = IndexKind::kHnsw;
                 return Status::OK();
               }));
               return std::string("true");
             }));

  router.Add("GET", "/collections/{collection_name}/exists",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               const bool exists = db.GetCollection(req.PathParam("collection_name")).ok();
               return std::string(exists ? "{\"exists\":true}" : "{\"exists\":false}");
             }));

  router.AddWrite("DELETE", "/collections/{collection_name}",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(bool existed, db.DeleteCollection(req.PathParam("collection_name")));
               return std::string(existed ? "true" : "false");
             }));
}

}  // namespace sextant::api
