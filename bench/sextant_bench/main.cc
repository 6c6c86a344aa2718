// sextant-bench: recall-vs-QPS sweeps of our indexes in process and of a
// running server over HTTP, next to raw hnswlib and raw FAISS on the same
// data, written as CSV, JSON and a chart. bench/README.md ("Similarity
// benchmarking") describes the options, the columns and how to read the chart.
// Exit codes: 0 done, 1 the run failed, 2 bad usage.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <thread>

#include "sextant_bench/bench_run.h"
#include "sextant_bench/engine.h"
#include "sextant_bench/http_connection.h"

namespace {

using sextant::bench::BenchConfig;

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// What CLI11 cannot check by itself; "" when the configuration is usable.
std::string CheckConfig(BenchConfig& c, bool engines_given, bool http_engines_given) {
  if (c.dataset.dataset.empty() && (c.dataset.base_file.empty() || c.dataset.queries_file.empty())) {
    return "give --dataset, or --base and --queries";
  }
  c.http = !c.http_options.url.empty();
  // "none" empties a list; without --engines: ours and hnswlib, or nothing in process with --url.
  auto& engines = c.sweep.engines;
  if (engines.size() == 1 && engines[0] == "none") engines.clear();
  if (!engines_given) engines = c.http ? std::vector<std::string>{} : std::vector<std::string>{"sextant-hnsw", "hnswlib"};
  for (const auto& e : engines) {
    if (!Contains(sextant::bench::KnownEngines(), e)) {
      return "unknown engine \"" + e + "\" (" + Join(sextant::bench::KnownEngines()) + ", or none)";
    }
  }
  for (const auto& e : c.http_options.engines) {
    if (!Contains(sextant::bench::HttpEngines(), e)) {
      return "unknown --http-engines entry \"" + e + "\" (" + Join(sextant::bench::HttpEngines()) + ")";
    }
  }
  if (http_engines_given && !c.http) return "--http-engines needs --url";
  if (engines.empty() && !c.http) return "nothing to run: give --engines, or --url for a server";
  if (c.http) {
    auto url = sextant::bench::HttpConnection::Open(c.http_options.url, c.http_options.api_key);
    if (!url.ok()) return url.status().message();
  }
  if (c.sweep.quantizations.empty()) return "--quantization needs at least one of off, sq8, pq";
  for (const auto& q : c.sweep.quantizations) {
    if (q != "off" && q != "sq8" && q != "pq") return "unknown quantization \"" + q + "\" (off, sq8, pq)";
  }
  if (c.sweep.efs.empty() || c.sweep.nprobes.empty()) return "--ef and --nprobe need at least one value";
  for (size_t v : c.sweep.efs) {
    if (v < 1 || v > 65536) return "--ef values must be in 1..65536";
  }
  for (size_t v : c.sweep.nprobes) {
    if (v < 1 || v > 65536) return "--nprobe values must be in 1..65536";
  }
  for (const char ch : c.name) {
    if (ch == '/' || ch == '\0') return "--name is a file name, not a path";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  BenchConfig c;
  c.sweep.build_threads = std::max(1u, std::thread::hardware_concurrency());
  std::string upload = "bulk";

  CLI::App app{
      "sextant-bench: recall@k vs queries per second of Sextant's indexes, in process and over HTTP against a "
      "running server, next to raw hnswlib and raw FAISS on the same data. Writes <name>.csv, <name>.json, "
      "<name>.gp and (with gnuplot) <name>.png / <name>.svg."};
  app.get_formatter()->column_width(36);

  auto* data = "Dataset";
  app.add_option("--dataset", c.dataset.dataset,
                 "A directory holding base.{fvecs,bvecs,npy}, query.* and optionally gt.{ivecs,npy} and "
                 "gt_dist.fvecs (like ../shared/data/siftsmall), or an ann-benchmarks .hdf5 file")
      ->check(CLI::ExistingPath)->group(data);
  app.add_option("--base", c.dataset.base_file, "Base vectors (.fvecs, .bvecs, .npy); overrides the dataset's")
      ->check(CLI::ExistingFile)->group(data);
  app.add_option("--queries", c.dataset.queries_file, "Query vectors (same formats)")
      ->check(CLI::ExistingFile)->group(data);
  app.add_option("--groundtruth", c.dataset.gt_file,
                 "True neighbour ids per query (.ivecs, .npy); without one it is computed exactly")
      ->check(CLI::ExistingFile)->group(data);
  app.add_option("--metric", c.dataset.metric,
                 "l2, cosine, dot or manhattan (default: the .hdf5 'distance' attribute, else what gt_dist.fvecs "
                 "matches, else l2)")
      ->group(data);
  app.add_option("--max-queries", c.dataset.max_queries, "Use the first N queries (0 = all)")
      ->capture_default_str()->group(data);
  app.add_flag("--exact-gt", c.exact_gt, "Compute the ground truth even when the dataset has one")->group(data);

  auto* sweep = "Sweep";
  auto* engines = app.add_option("--engines", c.sweep.engines,
                                 "In-process engines, comma-separated: sextant-hnsw, sextant-ivf, hnswlib, faiss-ivf, "
                                 "or none (default sextant-hnsw,hnswlib; none with --url)")
                      ->delimiter(',')->group(sweep);
  app.add_option("--quantization", c.sweep.quantizations,
                 "off, sq8, pq (comma-separated; each engine runs with each one it has)")
      ->delimiter(',')->capture_default_str()->group(sweep);
  app.add_option("--ef", c.sweep.efs, "HNSW search beam widths to sweep (hnsw_ef)")
      ->delimiter(',')->capture_default_str()->group(sweep);
  app.add_option("--nprobe", c.sweep.nprobes, "IVF lists scanned, to sweep (values above nlist are skipped)")
      ->delimiter(',')->capture_default_str()->group(sweep);
  app.add_option("-k,--k", c.sweep.k, "Neighbours per query: recall@k")
      ->check(CLI::Range(1, 1000))->capture_default_str()->group(sweep);
  app.add_option("--m", c.sweep.m, "HNSW links per node, every engine")
      ->check(CLI::Range(2, 512))->capture_default_str()->group(sweep);
  app.add_option("--ef-construct", c.sweep.ef_construct, "HNSW build beam width, every engine")
      ->check(CLI::Range(4, 65536))->capture_default_str()->group(sweep);
  app.add_option("--nlist", c.sweep.nlist, "IVF lists (0 = automatic; FAISS gets the same as ours)")
      ->check(CLI::Range(0, 65536))->capture_default_str()->group(sweep);
  app.add_option("--build-threads", c.sweep.build_threads, "Threads building the in-process indexes")
      ->check(CLI::Range(1, 1024))->capture_default_str()->group(sweep);
  app.add_option("--clients", c.sweep.load.clients,
                 "Concurrent clients: search threads in process, keep-alive connections over HTTP")
      ->check(CLI::Range(1, 1024))->capture_default_str()->group(sweep);
  app.add_option("--min-seconds", c.sweep.load.min_seconds,
                 "Repeat the query set until each row has run this long")
      ->check(CLI::Range(0.0, 3600.0))->capture_default_str()->group(sweep);

  auto* server = "Server (HTTP mode)";
  app.add_option("--url", c.http_options.url, "A running server, http://host:port: also sweep it over HTTP")
      ->group(server);
  app.add_option("--api-key", c.http_options.api_key, "API key to send (api-key header)")
      ->envname("SEXTANT_API_KEY")->group(server);
  auto* http_engines = app.add_option("--http-engines", c.http_options.engines,
                                      "Collections to sweep over HTTP: sextant-hnsw (hnsw_ef), sextant-ivf "
                                      "(ivf_nprobe)")
                           ->delimiter(',')->capture_default_str()->group(server);
  app.add_flag("!--no-exact", c.http_options.exact_row, "Skip the exact-search row (params.exact)")->group(server);
  app.add_flag("--keep", c.http_options.keep, "Leave the collections on the server")->group(server);
  app.add_option("--collection-prefix", c.http_options.collection_prefix,
                 "Collections are named <prefix>_<hnsw|ivf>_<quantization>")
      ->capture_default_str()->group(server);
  app.add_option("--indexing-threshold-kb", c.http_options.indexing_threshold_kb,
                 "The collections' indexing_threshold (-1 = a tenth of the base vectors, at most 10000)")
      ->check(CLI::Range(-1L, 1000000000L))->capture_default_str()->group(server);
  app.add_option("--upload", upload, "bulk (one POST /points/bulk, raw float32) or points (PUT /points batches)")
      ->check(CLI::IsMember({"bulk", "points"}))->capture_default_str()->group(server);
  app.add_option("--green-timeout", c.http_options.green_timeout_s, "Seconds to wait for indexing")
      ->check(CLI::Range(1.0, 86400.0))->capture_default_str()->group(server);

  auto* output = "Output";
  app.add_option("--out-dir", c.out_dir, "Directory for the reports (created)")->capture_default_str()->group(output);
  app.add_option("--name", c.name, "Report file names (default: the dataset's name)")->group(output);
  app.add_flag("!--no-chart", c.chart, "Do not run gnuplot")->group(output);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  c.http_options.upload =
      upload == "points" ? sextant::bench::UploadPath::kPoints : sextant::bench::UploadPath::kBulk;
  if (const std::string problem = CheckConfig(c, engines->count() > 0, http_engines->count() > 0); !problem.empty()) {
    std::fprintf(stderr, "sextant-bench: %s\nRun with --help for more information.\n", problem.c_str());
    return 2;
  }
  return sextant::bench::RunBench(c);
}
