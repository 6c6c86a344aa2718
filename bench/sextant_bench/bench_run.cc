#include "sextant_bench/bench_run.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "sextant_bench/chart.h"
#include "sextant_bench/ground_truth.h"
#include "sextant_bench/inprocess_runner.h"
#include "sextant_bench/report_writer.h"

namespace sextant::bench {

namespace {

namespace fs = std::filesystem;

int Fail(const Status& s) {
  std::fprintf(stderr, "sextant-bench: error: %s\n", s.message().c_str());
  return 1;
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One progress line per measured row.
void PrintRow(const ResultRow& r) {
  std::string setting = r.param == "exact" ? std::string("exact") : r.param + "=" + std::to_string(long(r.value));
  std::fprintf(stderr, "  %-13s %-9s %-4s %-11s recall@%zu %.4f  qps %9.1f  p50 %7.3f  p95 %7.3f  p99 %7.3f ms\n",
               r.engine.c_str(), r.mode == "http" ? "http" : "in-proc", r.quantization.c_str(), setting.c_str(), r.k,
               r.recall, r.qps, r.p50_ms, r.p95_ms, r.p99_ms);
}

// The dataset's ground truth when it can serve recall@k, else the exact one.
Status PrepareGroundTruth(const BenchConfig& config, Dataset* d, std::string* source) {
  const size_t k = config.sweep.k;
  if (!config.exact_gt && !d->gt.empty()) {
    const std::string problem = CheckGroundTruth(d->gt, d->queries.rows, d->base.rows, k);
    if (!problem.empty()) {
      return Status::InvalidArgument("the ground truth cannot serve recall@" + std::to_string(k) + ": " + problem +
                                     " (--exact-gt computes it instead)");
    }
    *source = "file";
    return Status::OK();
  }
  if (k > d->base.rows) {
    return Status::InvalidArgument("k=" + std::to_string(k) + " is more than the " + std::to_string(d->base.rows) +
                                   " base vectors");
  }
  std::fprintf(stderr, "computing the exact top %zu of %zu queries over %zu vectors (%zu threads)...\n", k,
               d->queries.rows, d->base.rows, config.sweep.build_threads);
  d->gt = ExactNeighbors(d->base, d->queries, d->metric, k, config.sweep.build_threads);
  *source = "computed (exact)";
  return Status::OK();
}

// Writes what was measured; draws the chart unless `rows` is partial.
Status WriteReports(const BenchConfig& config, const ReportInfo& info, const std::vector<ResultRow>& rows,
                    const std::string& name, bool chart) {
  const fs::path dir(config.out_dir);
  const std::string csv = (dir / (name + ".csv")).string();
  const std::string json = (dir / (name + ".json")).string();
  RETURN_IF_ERROR(WriteTextFile(csv, CsvReport(rows)));
  RETURN_IF_ERROR(WriteTextFile(json, JsonReport(info, rows)));
  std::printf("wrote %s\nwrote %s\n", csv.c_str(), json.c_str());
  if (!chart) return Status::OK();

  ChartOptions chart_options;
  chart_options.k = info.k;
  chart_options.basename = name;
  std::string clients;
  if (!rows.empty()) clients = ", " + std::to_string(rows.front().clients) + (rows.front().clients == 1 ? " client" : " clients");
  chart_options.title = info.dataset + " (" + std::to_string(info.base_rows) + " x " + std::to_string(info.dim) + ", " +
                        info.metric + ", " + std::to_string(info.queries) + " queries): recall@" +
                        std::to_string(info.k) + " vs QPS" + clients;
  const std::string gp = (dir / (name + ".gp")).string();
  RETURN_IF_ERROR(WriteTextFile(gp, ChartScript(rows, chart_options)));
  std::printf("wrote %s\n", gp.c_str());
  const std::string gnuplot = FindGnuplot();
  if (gnuplot.empty()) {
    std::fprintf(stderr, "note: gnuplot is not installed (Debian: gnuplot-nox): no chart drawn; %s draws it\n",
                 gp.c_str());
    return Status::OK();
  }
  RETURN_IF_ERROR(RunGnuplot(gnuplot, dir.string(), name + ".gp")
                      .WithContext("drawing the chart (the CSV and JSON are written)"));
  std::printf("wrote %s\nwrote %s\n", (dir / (name + ".png")).string().c_str(),
              (dir / (name + ".svg")).string().c_str());
  return Status::OK();
}

}  // namespace

int RunBench(const BenchConfig& config) {
  const std::string started_at = UtcNow();
  std::error_code ec;
  fs::create_directories(config.out_dir, ec);
  if (ec || ::access(config.out_dir.c_str(), W_OK) != 0) {
    return Fail(Status::IOError("cannot write to --out-dir " + config.out_dir));
  }

  auto loaded = LoadDataset(config.dataset);
  if (!loaded.ok()) return Fail(loaded.status());
  Dataset& d = *loaded;
  std::fprintf(stderr, "%s: %zu x %zu base vectors, %zu queries, metric %s (%s)\n", d.name.c_str(), d.base.rows,
               d.base.dim, d.queries.rows, ShortMetricName(d.metric), d.metric_source.c_str());
  std::string gt_source;
  if (Status s = PrepareGroundTruth(config, &d, &gt_source); !s.ok()) return Fail(s);

  SweepData data;
  data.dataset = &d;
  data.kth_distance = KthDistances(d.base, d.queries, d.gt, d.metric, config.sweep.k);

  ReportInfo info;
  info.dataset = d.name;
  info.metric = ShortMetricName(d.metric);
  info.metric_source = d.metric_source;
  info.base_rows = d.base.rows;
  info.dim = d.base.dim;
  info.queries = d.queries.rows;
  info.k = config.sweep.k;
  info.ground_truth = gt_source;
  info.m = config.sweep.m;
  info.ef_construct = config.sweep.ef_construct;
  info.build_threads = config.sweep.build_threads;
  info.url = config.http ? config.http_options.url : "";
  info.started_at = started_at;
  const std::string name = config.name.empty() ? d.name : config.name;

  std::vector<ResultRow> rows;
  auto sink = [&](const ResultRow& row) {
    PrintRow(row);
    rows.push_back(row);
  };
  Status run;
  if (!config.sweep.engines.empty()) {
    std::fprintf(stderr, "in process: %zu engine(s), %zu client thread(s)\n", config.sweep.engines.size(),
                 config.sweep.load.clients);
    run = RunInProcess(data, config.sweep, sink).status();
  }
  if (run.ok() && config.http) {
    std::fprintf(stderr, "over HTTP: %s, %zu keep-alive client(s)\n", config.http_options.url.c_str(),
                 config.sweep.load.clients);
    run = RunOverHttp(data, config.sweep, config.http_options, sink).status();
  }
  if (Status s = WriteReports(config, info, rows, name, config.chart && run.ok()); !s.ok()) return Fail(s);
  if (!run.ok()) {
    std::fprintf(stderr, "sextant-bench: the rows measured before the failure are in the files above\n");
    return Fail(run);
  }
  if (rows.empty()) return Fail(Status::InvalidArgument("nothing was measured (every combination was skipped)"));
  return 0;
}

}  // namespace sextant::bench
