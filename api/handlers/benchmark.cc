// Benchmark endpoints (a Sextant extension, not in Qdrant's API):
//   POST   /collections/{collection_name}/benchmark  recall and latency of the
//          collection's search with given params, on its own data
//   DELETE /collections/{collection_name}/benchmark  cancels the one running there
// What is measured is core/search_benchmark.h; BenchmarkRunner runs it on a
// low-priority thread of its own, one at a time. Shapes are in docs/API.md.
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "api/error_mapping.h"
#include "api/handlers/handler_util.h"
#include "api/handlers/handlers.h"
#include "api/handlers/search_params.h"
#include "core/benchmark_runner.h"
#include "core/search_benchmark.h"

namespace sextant::api {

namespace {

Status BadRequest(const std::string& what) { return Status::InvalidArgument("Bad request: " + what); }

Result<BenchmarkRequest> ReadBenchmarkRequest(JsonElement body) {
  // Strict: a misspelt field would otherwise silently measure something else.
  static const std::set<std::string_view> kKnown = {"queries", "vectors", "limit",   "using",
                                                    "filter",  "params",  "timeout", "seed"};
  for (auto [key, value] : AsObject(body)) {
    if (!kKnown.contains(key)) return BadRequest("unknown field '" + std::string(key) + "'");
  }
  BenchmarkRequest r;
  auto queries = Field(body, "queries");
  auto vectors = Field(body, "vectors");
  if (queries && vectors) return BadRequest("give `queries` (points to sample) or `vectors`, not both");
  if (queries) { ASSIGN_OR_RETURN(r.queries, ReadUint(*queries, "queries")); }
  if (vectors) {
    if (!vectors->is_array()) return FormatError("vectors: expected an array of vectors");
    simdjson::dom::array list = AsArray(*vectors);
    if (list.size() == 0) return BadRequest("vectors must hold at least 1 vector");
    if (list.size() > kMaxBenchmarkQueries) {
      return BadRequest("at most " + std::to_string(kMaxBenchmarkQueries) + " query vectors, not " +
                        std::to_string(list.size()));
    }
    for (JsonElement v : list) {
      ASSIGN_OR_RETURN(std::vector<float> vector, ReadVector(v, "vectors"));
      r.vectors.push_back(std::move(vector));
    }
  }
  if (auto v = Field(body, "limit")) { ASSIGN_OR_RETURN(r.limit, ReadUint(*v, "limit")); }
  if (auto v = Field(body, "using")) {
    ASSIGN_OR_RETURN(std::string_view name, ReadString(*v, "using"));
    if (!name.empty()) {
      return Status::InvalidArgument("Wrong input: Not existing vector name error: " + std::string(name));
    }
  }
  ASSIGN_OR_RETURN(r.filter, ReadFilterField(body));
  if (auto params = Field(body, "params")) {
    QueryOptions o;  // exactly what a search accepts
    RETURN_IF_ERROR(ReadSearchParams(*params, &o));
    r.params = BenchmarkSearchParams{.hnsw_ef = o.hnsw_ef,
                                     .ivf_nprobe = o.ivf_nprobe,
                                     .exact = o.exact,
                                     .ignore_quantization = o.ignore_quantization,
                                     .rescore = o.rescore,
                                     .oversampling = o.oversampling};
  }
  if (auto v = Field(body, "timeout")) {
    ASSIGN_OR_RETURN(double seconds, ReadNumber(*v, "timeout"));
    r.timeout = std::chrono::duration<double>(seconds);
  }
  if (auto v = Field(body, "seed")) { ASSIGN_OR_RETURN(r.seed, ReadUint(*v, "seed")); }
  return r;
}

std::string ReportJson(const BenchmarkReport& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("recall").Double(r.recall);  // NaN (no query ran) is written as null
  w.Key("recall_min").Double(r.recall_min);
  w.Key("latency_ms").BeginObject();
  w.Key("p50").Double(r.latency_p50_ms).Key("p95").Double(r.latency_p95_ms);
  w.Key("p99").Double(r.latency_p99_ms).Key("mean").Double(r.latency_mean_ms);
  w.EndObject();
  w.Key("exact_latency_ms").BeginObject().Key("mean").Double(r.exact_latency_mean_ms).EndObject();
  w.Key("queries").Uint(r.queries);
  w.Key("limit").Uint(r.limit);
  // The parameters in effect, defaults resolved; only the index kind's own.
  w.Key("params").BeginObject();
  if (r.index == IndexKind::kHnsw) w.Key("hnsw_ef").Uint(r.params.hnsw_ef);
  if (r.index == IndexKind::kIvf) {
    w.Key("ivf_nprobe");
    if (r.params.ivf_nprobe == 0) {
      w.Null();  // each segment's own default (nlist / 8)
    } else {
      w.Uint(r.params.ivf_nprobe);
    }
  }
  w.Key("exact").Bool(r.params.exact);
  w.Key("quantization").BeginObject();
  w.Key("ignore").Bool(r.params.ignore_quantization).Key("rescore").Bool(r.params.rescore);
  w.Key("oversampling");
  if (r.params.oversampling > 0) {
    w.Double(r.params.oversampling);
  } else {
    w.Null();  // the index's default
  }
  w.EndObject().EndObject();
  w.Key("cancelled").Bool(r.cancelled);
  w.Key("truncated").Bool(r.truncated);
  w.Key("elapsed_s").Double(r.elapsed_s);
  w.EndObject();
  return w.Take();
}

Result<std::string> RunBenchmark(Database& db, BenchmarkRunner& runner, const HttpRequest& req) {
  const std::string name = req.PathParam("collection_name");
  ASSIGN_OR_RETURN(std::shared_ptr<Collection> c, db.GetCollection(name));
  ASSIGN_OR_RETURN(JsonElement body, ParseBody(req.body));
  ASSIGN_OR_RETURN(BenchmarkRequest request, ReadBenchmarkRequest(body));
  // Bad input is a 400 even while another benchmark holds the slot.
  RETURN_IF_ERROR(ValidateBenchmarkRequest(request, c->config()));
  // Deleting (or replacing) the collection cancels its benchmark. The
  // pointer is only compared while the benchmark, which holds it, runs.
  const Collection* const benchmarked = c.get();
  auto still_there = [&db, name, benchmarked] {
    auto now = db.GetCollection(name);
    return now.ok() && now->get() == benchmarked;
  };
  ASSIGN_OR_RETURN(BenchmarkReport report, runner.Run(std::move(c), std::move(request), still_there));
  return ReportJson(report);
}

}  // namespace

void RegisterBenchmarkRoutes(Router& router, Database& db) {
  auto runner = std::make_shared<BenchmarkRunner>();
  // A stopping server does not wait for a benchmark's time budget: the one
  // running answers with what it measured.
  router.OnStop([runner] { runner->Stop(); });

  // Long-running: it waits on the writer pool, never holding a compute thread
  // (the benchmark itself runs on the runner's low-priority thread). It only
  // reads, so a read-only key may run it.
  router.AddLongRunning("POST", "/collections/{collection_name}/benchmark",
                        [&db, runner](const HttpRequest& req) {
                          const auto start = std::chrono::steady_clock::now();
                          Result<std::string> result = RunBenchmark(db, *runner, req);
                          const double secs =
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                          if (result.ok()) return OkResponse(*result, secs);
                          // Busy here means another benchmark holds the slot: "try later"
                          // (429), not the overloaded server that 503 says elsewhere.
                          if (result.status().code() == Status::Code::kBusy) {
                            return ErrorResponse(429, result.status().message(), secs);
                          }
                          return ErrorResponse(result.status(), secs);
                        });

  // Not a write either: a read-only key may stop the benchmark it may start.
  router.Add("DELETE", "/collections/{collection_name}/benchmark",
             JsonHandler([runner](const HttpRequest& req) -> Result<std::string> {
               RETURN_IF_ERROR(runner->Cancel(req.PathParam("collection_name")));
               return std::string("true");
             }));
}

}  // namespace sextant::api
