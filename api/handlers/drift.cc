// Drift endpoints (a Sextant extension, not in Qdrant's API):
//   GET    /collections/{collection_name}/drift         report (?window=&limit=)
//   PUT    /collections/{collection_name}/drift/config  change settings (a partial object)
//   POST   /collections/{collection_name}/drift/baseline  pin the recent points as the reference
//   DELETE /collections/{collection_name}/drift/baseline  back to the default reference
// Shapes are in docs/API.md; the statistics are defined in core/drift/drift_stats.h.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

#include "api/handlers/handler_util.h"
#include "api/handlers/handlers.h"

namespace sextant::api {

namespace {

constexpr size_t kMaxLimit = 10000;

Status BadRequest(const std::string& what) { return Status::InvalidArgument("Bad request: " + what); }

std::string UtcText(int64_t unix_seconds) {
  std::tm tm{};
  const std::time_t t = unix_seconds;
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// ?window=count | minute | hour | day, and ?limit=N.
Result<DriftMonitor::Query> ReadQuery(const HttpRequest& request) {
  DriftMonitor::Query query;
  if (auto limit = request.QueryParam("limit")) {
    size_t n = 0;
    const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n < 1 || n > kMaxLimit) {
      return BadRequest("limit must be an integer in [1, " + std::to_string(kMaxLimit) + "], not '" + *limit + "'");
    }
    query.limit = n;
  }
  query.window = request.QueryParam("window").value_or("count");
  if (query.window != "count" && query.window != "minute" && query.window != "hour" && query.window != "day") {
    return BadRequest("window must be count, minute, hour or day, not '" + query.window + "'");
  }
  return query;
}

void WriteThreshold(JsonWriter& w, const DriftThreshold& t) {
  w.BeginObject().Key("warning").Double(t.warning).Key("drift").Double(t.drift).EndObject();
}

// The thresholds by metric name, in one place for the writer and the reader.
template <typename Thresholds, typename Fn>
void ForEachThreshold(Thresholds& t, Fn fn) {
  fn("mean_euclid", t.mean_euclid);
  fn("mean_cosine", t.mean_cosine);
  fn("drifted_share", t.drifted_share);
  fn("mmd", t.mmd);
  fn("norm_shift", t.norm_shift);
  fn("norm_psi", t.norm_psi);
  fn("cluster_js", t.cluster_js);
  fn("zero_vectors", t.zero_vectors);
  fn("norm_outliers", t.norm_outliers);
  fn("duplicates", t.duplicates);
}

void WriteConfig(JsonWriter& w, const DriftConfig& c) {
  w.BeginObject();
  w.Key("enabled").Bool(c.enabled);
  w.Key("reference_size").Uint(c.reference_size);
  w.Key("window_points").Uint(c.window_points);
  w.Key("history").Uint(c.history);
  w.Key("time_history").Uint(c.time_history);
  w.Key("min_points").Uint(c.min_points);
  w.Key("thresholds").BeginObject();
  ForEachThreshold(c.thresholds, [&](const char* name, const DriftThreshold& t) {
    w.Key(name);
    WriteThreshold(w, t);
  });
  w.Key("psi_threshold").Double(c.thresholds.psi_threshold);
  w.EndObject();
  w.Key("params").BeginObject();
  w.Key("bins").Uint(c.params.bins);
  w.Key("rff_features").Uint(c.params.rff_features);
  w.Key("clusters").Uint(c.params.clusters);
  w.Key("sample_every").Uint(c.params.sample_every);
  w.EndObject();
  w.EndObject();
}

void WriteStatus(JsonWriter& w, DriftStatus status, const std::vector<std::string>& tripped) {
  w.Key("status").String(DriftStatusName(status));
  w.Key("tripped").BeginArray();
  for (const std::string& name : tripped) w.String(name);
  w.EndArray();
}

void WriteWindow(JsonWriter& w, const DriftWindowReport& r) {
  const DriftMetrics& m = r.metrics;
  w.BeginObject();
  w.Key("start").String(UtcText(r.start_unix));
  w.Key("end").String(UtcText(r.end_unix));
  w.Key("open").Bool(r.open);
  w.Key("points").Uint(m.count);
  WriteStatus(w, r.status, r.tripped);
  w.Key("metrics").BeginObject();
  w.Key("mean_euclid").Double(m.mean_euclid);
  w.Key("mean_cosine").Double(m.mean_cosine);
  w.Key("drifted_share").Double(m.drifted_share);
  w.Key("mean_psi").Double(m.mean_psi);
  w.Key("mmd").Double(m.mmd);
  w.Key("norm_shift").Double(m.norm_shift);
  w.Key("norm_psi").Double(m.norm_psi);
  w.Key("cluster_js").Double(m.cluster_js);
  w.EndObject();
  w.Key("anomalies").BeginObject();
  w.Key("zero_vectors").Uint(m.zero_vectors);
  w.Key("norm_outliers").Uint(m.norm_outliers);
  w.Key("duplicates").Uint(m.duplicates);
  w.EndObject();
  w.EndObject();
}

std::string ReportJson(const DriftReport& r, const DriftMonitor::Query& query) {
  JsonWriter w;
  w.BeginObject();
  w.Key("enabled").Bool(r.enabled);
  WriteStatus(w, r.status, r.tripped);
  w.Key("observed_points").Uint(r.observed);
  w.Key("non_finite_rejected").Uint(r.non_finite_rejected);
  w.Key("reference").BeginObject();
  w.Key("ready").Bool(r.reference_ready);
  w.Key("pinned").Bool(r.pinned);
  w.Key("points").Uint(r.reference_points);
  if (r.reference_ready) {
    w.Key("built_at").String(UtcText(r.reference_built_unix));
    w.Key("spread").Double(r.reference_spread);
    w.Key("norm_mean").Double(r.reference_norm_mean);
    w.Key("norm_std").Double(r.reference_norm_std);
  } else {
    w.Key("built_at").Null();
  }
  w.EndObject();
  w.Key("config");
  WriteConfig(w, r.config);
  w.Key("window").String(query.window);
  w.Key("windows").BeginArray();
  for (const DriftWindowReport& window : r.windows) WriteWindow(w, window);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

Status ReadSize(JsonElement body, std::string_view key, size_t* out) {
  if (auto e = Field(body, key)) {
    ASSIGN_OR_RETURN(uint64_t v, ReadUint(*e, key));
    *out = static_cast<size_t>(v);
  }
  return Status::OK();
}

Status ReadFraction(JsonElement e, std::string_view what, double* out) {
  ASSIGN_OR_RETURN(double v, ReadNumber(e, what));
  if (!std::isfinite(v) || v < 0) return BadRequest(std::string(what) + " must be a finite number >= 0");
  *out = v;
  return Status::OK();
}

// Only known keys: a misspelt threshold must not be silently ignored.
Status CheckKeys(JsonElement object, std::string_view what, std::initializer_list<std::string_view> known) {
  for (auto [key, value] : AsObject(object)) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return BadRequest("unknown field '" + std::string(key) + "' in " + std::string(what));
    }
  }
  return Status::OK();
}

// A partial config: the fields present replace the current ones.
Status ReadConfigChange(JsonElement body, DriftConfig* c) {
  RETURN_IF_ERROR(CheckKeys(body, "drift config",
                            {"enabled", "reference_size", "window_points", "history", "time_history", "min_points",
                             "thresholds", "params"}));
  if (auto e = Field(body, "enabled")) {
    ASSIGN_OR_RETURN(c->enabled, ReadBool(*e, "enabled"));
  }
  RETURN_IF_ERROR(ReadSize(body, "reference_size", &c->reference_size));
  RETURN_IF_ERROR(ReadSize(body, "window_points", &c->window_points));
  RETURN_IF_ERROR(ReadSize(body, "history", &c->history));
  RETURN_IF_ERROR(ReadSize(body, "time_history", &c->time_history));
  RETURN_IF_ERROR(ReadSize(body, "min_points", &c->min_points));
  if (auto thresholds = Field(body, "thresholds")) {
    if (!thresholds->is_object()) return BadRequest("thresholds must be an object");
    Status status = CheckKeys(*thresholds, "thresholds",
                              {"mean_euclid", "mean_cosine", "drifted_share", "mmd", "norm_shift", "norm_psi",
                               "cluster_js", "zero_vectors", "norm_outliers", "duplicates", "psi_threshold"});
    ForEachThreshold(c->thresholds, [&](const char* name, DriftThreshold& t) {
      if (!status.ok()) return;
      auto e = Field(*thresholds, name);
      if (!e) return;
      const std::string what = std::string("thresholds.") + name;
      if (!e->is_object()) {
        status = BadRequest(what + " must be an object {\"warning\": x, \"drift\": y}");
        return;
      }
      status = CheckKeys(*e, what, {"warning", "drift"});
      if (auto v = Field(*e, "warning"); v && status.ok()) status = ReadFraction(*v, what + ".warning", &t.warning);
      if (auto v = Field(*e, "drift"); v && status.ok()) status = ReadFraction(*v, what + ".drift", &t.drift);
    });
    RETURN_IF_ERROR(status);
    if (auto e = Field(*thresholds, "psi_threshold")) {
      RETURN_IF_ERROR(ReadFraction(*e, "thresholds.psi_threshold", &c->thresholds.psi_threshold));
    }
  }
  if (auto params = Field(body, "params")) {
    if (!params->is_object()) return BadRequest("params must be an object");
    RETURN_IF_ERROR(CheckKeys(*params, "params", {"bins", "rff_features", "clusters", "sample_every"}));
    RETURN_IF_ERROR(ReadSize(*params, "bins", &c->params.bins));
    RETURN_IF_ERROR(ReadSize(*params, "rff_features", &c->params.rff_features));
    RETURN_IF_ERROR(ReadSize(*params, "clusters", &c->params.clusters));
    RETURN_IF_ERROR(ReadSize(*params, "sample_every", &c->params.sample_every));
  }
  return Status::OK();
}

}  // namespace

void RegisterDriftRoutes(Router& router, Database& db) {
  router.Add("GET", "/collections/{collection_name}/drift",
             JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
               ASSIGN_OR_RETURN(DriftMonitor::Query query, ReadQuery(req));
               return ReportJson(c->Drift(query), query);
             }));
  router.AddWrite("PUT", "/collections/{collection_name}/drift/config",
                  JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
                    ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
                    ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body, /*empty_is_object=*/false));
                    RETURN_IF_ERROR(c->UpdateDriftConfig([&](DriftConfig* config) { return ReadConfigChange(body, config); }));
                    return std::string("true");
                  }));
  router.AddWrite("POST", "/collections/{collection_name}/drift/baseline",
                  JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
                    ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
                    RETURN_IF_ERROR(c->PinDriftBaseline());
                    return std::string("true");
                  }));
  router.AddWrite("DELETE", "/collections/{collection_name}/drift/baseline",
                  JsonHandler([&db](const HttpRequest& req) -> Result<std::string> {
                    ASSIGN_OR_RETURN(auto c, db.GetCollection(req.PathParam("collection_name")));
                    RETURN_IF_ERROR(c->ResetDriftBaseline());
                    return std::string("true");
                  }));
}

}  // namespace sextant::api
