// GET /metrics: Prometheus text format (version 0.0.4). Requests by route and
// status with latency histograms (the router's counters), points and segments
// per collection, the optimizer queue, and every drift metric and status per
// collection (as of the last batch the drift worker fed: a scrape does not
// wait for a backlog). Cheap: no collection is scanned.
#include "api/handlers/handlers.h"
#include "api/metrics/route_stats.h"

namespace sextant::api {

namespace {

// The window whose metrics the gauges show: the open count window once it
// holds min_points (as the status counts it), else the latest closed one.
const DriftWindowReport* LatestRated(const DriftReport& r) {
  for (const DriftWindowReport& w : r.windows) {
    if (!w.open || w.metrics.count >= r.config.min_points) return &w;
  }
  return nullptr;
}

struct Family {
  const char* name;
  const char* type;
  const char* help;
};

void Header(const Family& f, std::string* out) {
  *out += std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
}

void Sample(const char* name, const std::string& labels, double value, std::string* out) {
  // Appended piece by piece (`" " + s` trips GCC 12's spurious -Wrestrict).
  *out += name;
  if (!labels.empty()) {
    out->push_back('{');
    *out += labels;
    out->push_back('}');
  }
  out->push_back(' ');
  *out += PrometheusNumber(value);
  out->push_back('\n');
}

void AppendCollections(Database& db, std::string* out) {
  struct Row {
    std::string labels;
    CollectionInfo info;
    StoreSizes sizes;
    DriftReport drift;
  };
  std::vector<Row> rows;
  for (const std::string& name : db.ListCollections()) {
    auto c = db.GetCollection(name);
    if (!c.ok()) continue;  // dropped meanwhile
    rows.push_back(Row{"collection=\"" + PrometheusLabel(name) + "\"", (*c)->Info(), (*c)->GetStoreSizes(),
                       (*c)->Drift(DriftMonitor::Query{.window = "count", .limit = 2}, /*flush=*/false)});
  }

  Header({"sextant_collection_points", "gauge", "Points in the collection."}, out);
  for (const Row& r : rows) Sample("sextant_collection_points", r.labels, double(r.info.points_count), out);
  Header({"sextant_collection_indexed_vectors", "gauge", "Vectors in indexed segments."}, out);
  for (const Row& r : rows) Sample("sextant_collection_indexed_vectors", r.labels, double(r.info.indexed_vectors_count), out);
  Header({"sextant_collection_segments", "gauge", "Segments of the collection."}, out);
  for (const Row& r : rows) Sample("sextant_collection_segments", r.labels, double(r.info.segments_count), out);

  Header({"sextant_rocksdb_sst_bytes", "gauge", "Bytes of the collection store's SST files."}, out);
  for (const Row& r : rows) Sample("sextant_rocksdb_sst_bytes", r.labels, double(r.sizes.sst_bytes), out);
  Header({"sextant_rocksdb_memtable_bytes", "gauge", "Bytes of the collection store's memtables."}, out);
  for (const Row& r : rows) Sample("sextant_rocksdb_memtable_bytes", r.labels, double(r.sizes.memtable_bytes), out);
  Header({"sextant_rocksdb_live_data_bytes", "gauge", "RocksDB's estimate of the store's live data."}, out);
  for (const Row& r : rows) Sample("sextant_rocksdb_live_data_bytes", r.labels, double(r.sizes.live_data_bytes), out);

  Header({"sextant_drift_enabled", "gauge", "1 when the collection's drift statistics are on."}, out);
  for (const Row& r : rows) Sample("sextant_drift_enabled", r.labels, r.drift.enabled ? 1 : 0, out);
  Header({"sextant_drift_status", "gauge", "Drift status: 0 ok, 1 warning, 2 drift."}, out);
  for (const Row& r : rows) Sample("sextant_drift_status", r.labels, double(static_cast<int>(r.drift.status)), out);
  Header({"sextant_drift_tripped", "gauge", "1 for each metric at the collection's drift status (warning or drift)."},
         out);
  for (const Row& r : rows) {
    for (const std::string& metric : r.drift.tripped) {
      Sample("sextant_drift_tripped", r.labels + ",metric=\"" + PrometheusLabel(metric) + "\"", 1, out);
    }
  }
  Header({"sextant_drift_reference_ready", "gauge", "1 once the drift reference is built."}, out);
  for (const Row& r : rows) Sample("sextant_drift_reference_ready", r.labels, r.drift.reference_ready ? 1 : 0, out);
  Header({"sextant_drift_observed_points_total", "counter", "Points the drift statistics have seen."}, out);
  for (const Row& r : rows) Sample("sextant_drift_observed_points_total", r.labels, double(r.drift.observed), out);
  Header({"sextant_drift_non_finite_rejected_total", "counter", "Points refused for NaN or infinite values."}, out);
  for (const Row& r : rows) {
    Sample("sextant_drift_non_finite_rejected_total", r.labels, double(r.drift.non_finite_rejected), out);
  }

  Header({"sextant_drift_metric", "gauge",
          "Drift metrics of the latest rated count window against the reference (docs/API.md)."},
         out);
  for (const Row& r : rows) {
    const DriftWindowReport* w = LatestRated(r.drift);
    if (w == nullptr) continue;
    const DriftMetrics& m = w->metrics;
    const std::pair<const char*, double> metrics[] = {
        {"mean_euclid", m.mean_euclid}, {"mean_cosine", m.mean_cosine}, {"drifted_share", m.drifted_share},
        {"mean_psi", m.mean_psi},       {"mmd", m.mmd},                 {"norm_shift", m.norm_shift},
        {"norm_psi", m.norm_psi},       {"cluster_js", m.cluster_js}};
    for (const auto& [metric, value] : metrics) {
      Sample("sextant_drift_metric", r.labels + ",metric=\"" + metric + "\"", value, out);
    }
  }
  Header({"sextant_drift_window_anomalies", "gauge",
          "Anomalous points in the latest rated count window, by kind."},
         out);
  for (const Row& r : rows) {
    const DriftWindowReport* w = LatestRated(r.drift);
    if (w == nullptr) continue;
    const DriftMetrics& m = w->metrics;
    Sample("sextant_drift_window_anomalies", r.labels + ",kind=\"zero_vectors\"", double(m.zero_vectors), out);
    Sample("sextant_drift_window_anomalies", r.labels + ",kind=\"norm_outliers\"", double(m.norm_outliers), out);
    Sample("sextant_drift_window_anomalies", r.labels + ",kind=\"duplicates\"", double(m.duplicates), out);
  }
  Header({"sextant_drift_window_points", "gauge", "Points in the latest rated count window."}, out);
  for (const Row& r : rows) {
    if (const DriftWindowReport* w = LatestRated(r.drift)) {
      Sample("sextant_drift_window_points", r.labels, double(w->metrics.count), out);
    }
  }
}

}  // namespace

void RegisterMetricsRoutes(Router& router, Database& db) {
  router.Add("GET", "/metrics", [&router, &db](const HttpRequest&) {
    std::string out;
    router.AppendMetrics(&out);
    Header({"sextant_optimizer_queue", "gauge", "Collections waiting for or in an optimizer step."}, &out);
    Sample("sextant_optimizer_queue", "", double(db.OptimizerQueueLength()), &out);
    AppendCollections(db, &out);
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(out), ""};
  });
}

}  // namespace sextant::api
