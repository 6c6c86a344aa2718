#include "sextant_bench/http_runner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "sextant_bench/ground_truth.h"
#include "sextant_bench/http_connection.h"
#include "sextant_bench/json_text.h"

namespace sextant::bench {

namespace {

long AutoThresholdKb(const Vectors& base) {
  const double kb = double(base.rows) * double(base.dim) * sizeof(float) / 1024.0;
  return std::clamp<long>(long(kb / 10), 1, 10000);
}

// One keep-alive connection and one response parser per client.
struct Clients {
  std::vector<std::unique_ptr<HttpConnection>> connections;
  std::vector<std::unique_ptr<SearchResultParser>> parsers;
};

// Opens the connections and sends one request on each, so that connecting is
// not timed as part of the first queries.
Result<Clients> OpenClients(const HttpOptions& http, size_t clients) {
  Clients out;
  for (size_t c = 0; c < std::max<size_t>(clients, 1); ++c) {
    ASSIGN_OR_RETURN(auto connection, HttpConnection::Open(http.url, http.api_key));
    ASSIGN_OR_RETURN(HttpReply ready, connection->Request("GET", "/readyz"));
    if (ready.status != 200) return Status::IOError("GET /readyz: HTTP " + std::to_string(ready.status));
    out.connections.push_back(std::move(connection));
    out.parsers.push_back(std::make_unique<SearchResultParser>());
  }
  return out;
}

// Runs every query with `params` (a JSON object) and measures it.
Result<LoadResult> Measure(Clients& clients, const std::string& collection, const std::vector<std::string>& vectors,
                           size_t k, const std::string& params, const LoadOptions& load) {
  const std::string target = "/collections/" + collection + "/points/search";
  const std::string tail = ",\"limit\":" + std::to_string(k) + ",\"params\":" + params + "}";
  return RunLoad(vectors.size(), load, [&](size_t c, size_t q, std::vector<int64_t>* ids) -> Status {
    std::string body = "{\"vector\":";
    body += vectors[q];
    body += tail;
    ASSIGN_OR_RETURN(HttpReply reply, clients.connections[c]->Request("POST", target, body));
    if (reply.status != 200) {
      return Status::IOError("search: HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 300));
    }
    return clients.parsers[c]->Ids(reply.body, ids);
  });
}

}  // namespace

const std::vector<std::string>& HttpEngines() {
  static const std::vector<std::string> names = {"sextant-hnsw", "sextant-ivf"};
  return names;
}

Result<std::vector<ResultRow>> RunOverHttp(const SweepData& data, const SweepOptions& options,
                                           const HttpOptions& http, const RowSink& sink) {
  const Dataset& d = *data.dataset;
  // The query vectors as JSON, once: the server normalises for Cosine itself.
  std::vector<std::string> vectors(d.queries.rows);
  for (size_t q = 0; q < d.queries.rows; ++q) AppendJsonFloats(&vectors[q], d.queries.row(q), d.queries.dim);

  std::vector<ResultRow> rows;
  bool exact_done = !http.exact_row;
  for (const std::string& engine : http.engines) {
    const bool ivf = engine == "sextant-ivf";
    for (const std::string& quantization : options.quantizations) {
      CollectionSetup setup;
      setup.name = http.collection_prefix + (ivf ? "_ivf_" : "_hnsw_") + quantization;
      setup.engine = engine;
      setup.quantization = quantization;
      setup.metric = d.metric;
      setup.dim = d.base.dim;
      setup.m = options.m;
      setup.ef_construct = options.ef_construct;
      setup.nlist = options.nlist;
      setup.indexing_threshold_kb =
          http.indexing_threshold_kb >= 0 ? http.indexing_threshold_kb : AutoThresholdKb(d.base);
      if (auto body = CreateBody(setup); !body.ok()) {
        std::fprintf(stderr, "skipped %s (http) quantization=%s: %s\n", engine.c_str(), quantization.c_str(),
                     body.status().message().c_str());
        continue;
      }
      std::fprintf(stderr, "uploading %zu vectors to %s, collection %s, and waiting until it is indexed...\n",
                   d.base.rows, http.url.c_str(), setup.name.c_str());
      auto times = CreateAndUpload(http.url, http.api_key, setup, d.base, http.upload, options.load.clients,
                                   http.green_timeout_s);
      if (!times.ok()) {
        // Never delete a collection this run did not create.
        if (times.status().code() != Status::Code::kAlreadyExists && !http.keep) {
          (void)DeleteCollection(http.url, http.api_key, setup.name);
        }
        return times.status().WithContext(setup.name);
      }
      std::fprintf(stderr, "%s: upload %.2f s, indexed %.2f s later\n", setup.name.c_str(), times->upload_s,
                   times->green_s);

      auto sweep = [&]() -> Status {
        ASSIGN_OR_RETURN(Clients clients, OpenClients(http, options.load.clients));
        const double memory_mb = ServerMemoryMiB(*clients.connections[0]);
        auto add_row = [&](const std::string& row_engine, const char* param, double value, const LoadResult& load) {
          ResultRow row;
          row.engine = row_engine;
          row.mode = "http";
          row.dataset = d.name;
          row.metric = ShortMetricName(d.metric);
          row.k = options.k;
          row.quantization = quantization;
          row.param = param;
          row.value = value;
          row.recall = RecallByDistance(load.results, d.base, d.queries, d.metric, data.kth_distance, options.k);
          row.qps = load.qps;
          row.p50_ms = load.p50_ms;
          row.p95_ms = load.p95_ms;
          row.p99_ms = load.p99_ms;
          row.build_s = times->upload_s + times->green_s;
          row.upload_s = times->upload_s;
          row.memory_mb = memory_mb;
          row.clients = clients.connections.size();
          row.queries = load.queries;
          sink(row);
          rows.push_back(row);
        };
        for (size_t value : ivf ? options.nprobes : options.efs) {
          const std::string params =
              std::string(ivf ? "{\"ivf_nprobe\":" : "{\"hnsw_ef\":") + std::to_string(value) + "}";
          ASSIGN_OR_RETURN(LoadResult load, Measure(clients, setup.name, vectors, options.k, params, options.load));
          add_row(engine, ivf ? "nprobe" : "ef", double(value), load);
        }
        if (!exact_done) {
          ASSIGN_OR_RETURN(LoadResult load,
                           Measure(clients, setup.name, vectors, options.k, "{\"exact\":true}", options.load));
          add_row("sextant-exact", "exact", kNotApplicable, load);
          exact_done = true;
        }
        return Status::OK();
      };
      const Status swept = sweep();
      if (!http.keep) {
        const Status deleted = DeleteCollection(http.url, http.api_key, setup.name);
        if (swept.ok()) RETURN_IF_ERROR(deleted.WithContext("deleting " + setup.name));
      }
      RETURN_IF_ERROR(swept.WithContext(setup.name));
    }
  }
  return rows;
}

}  // namespace sextant::bench
