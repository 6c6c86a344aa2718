#include "core/search_benchmark.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "core/collection.h"
#include "core/vector_checks.h"

namespace sextant {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kSamplePage = 1024;  // ids read per scroll page while sampling

Status BadRequest(const std::string& what) { return Status::InvalidArgument("Bad request: " + what); }

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Why a run stops early, if it does.
enum class Stop { kNo, kCancelled, kOutOfTime };

class StopCheck {
 public:
  StopCheck(const std::atomic<bool>& cancel, Clock::time_point deadline) : cancel_(cancel), deadline_(deadline) {}
  Stop operator()() const {
    if (cancel_.load(std::memory_order_relaxed)) return Stop::kCancelled;
    if (Clock::now() >= deadline_) return Stop::kOutOfTime;
    return Stop::kNo;
  }

 private:
  const std::atomic<bool>& cancel_;
  const Clock::time_point deadline_;
};

// `n` stored points' vectors, uniformly at random (reservoir sampling over the
// ids in id order, then shuffled so that any prefix is a random sample too:
// a run cut short still measured random queries).
Result<std::vector<std::vector<float>>> SampleVectors(const Collection& c, size_t n, uint64_t seed,
                                                      const StopCheck& stop, Stop* stopped) {
  std::mt19937_64 rng(seed);
  std::vector<PointId> chosen;
  chosen.reserve(n);
  uint64_t seen = 0;
  std::optional<PointId> from;
  do {
    if ((*stopped = stop()) != Stop::kNo) return std::vector<std::vector<float>>{};
    ASSIGN_OR_RETURN(ScrollPage page, c.Scroll(from, kSamplePage, false, false));
    for (const Record& r : page.points) {
      if (chosen.size() < n) {
        chosen.push_back(r.id);
      } else if (const uint64_t j = std::uniform_int_distribution<uint64_t>(0, seen)(rng); j < n) {
        chosen[j] = r.id;
      }
      ++seen;
    }
    from = page.next_page_offset;
  } while (from);
  if (chosen.empty()) return BadRequest("no points to sample");
  std::shuffle(chosen.begin(), chosen.end(), rng);
  // Points deleted since are skipped: a few queries fewer.
  ASSIGN_OR_RETURN(std::vector<Record> records, c.Retrieve(chosen, false, true));
  std::vector<std::vector<float>> out;
  out.reserve(records.size());
  for (Record& r : records) {
    if (r.vector) out.push_back(std::move(*r.vector));
  }
  if (out.empty()) return BadRequest("no points to sample");
  return out;
}

// Recall of `approx` against the exact answer `truth` (best first), by score:
// an approximate hit counts when it is at least as close as truth's last.
double RecallByScore(const std::vector<ScoredPoint>& approx, const std::vector<ScoredPoint>& truth,
                     Metric metric) {
  if (truth.empty()) return 1.0;  // nothing matches: nothing to miss
  const double bound = truth.back().score;
  const double tolerance = 1e-5 * std::max(1.0, std::abs(bound));
  const bool higher = HigherIsCloser(metric);
  size_t hits = 0;
  for (size_t i = 0; i < approx.size() && i < truth.size(); ++i) {
    const double s = approx[i].score;
    hits += higher ? s >= bound - tolerance : s <= bound + tolerance;
  }
  return static_cast<double>(hits) / static_cast<double>(truth.size());
}

// Nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

QueryOptions BaseQuery(const BenchmarkRequest& request) {
  QueryOptions o;
  o.limit = request.limit;
  o.filter = request.filter;
  return o;
}

void Summarise(std::vector<double> latencies, const std::vector<double>& recalls, double exact_total_ms,
               BenchmarkReport* report) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  report->queries = recalls.size();
  if (recalls.empty()) {
    report->recall = report->recall_min = kNaN;
    report->latency_p50_ms = report->latency_p95_ms = report->latency_p99_ms = kNaN;
    report->latency_mean_ms = report->exact_latency_mean_ms = kNaN;
    return;
  }
  const double n = static_cast<double>(recalls.size());
  double recall_sum = 0, latency_sum = 0;
  for (double r : recalls) recall_sum += r;
  for (double l : latencies) latency_sum += l;
  report->recall = recall_sum / n;
  report->recall_min = *std::min_element(recalls.begin(), recalls.end());
  std::sort(latencies.begin(), latencies.end());
  report->latency_p50_ms = Percentile(latencies, 0.50);
  report->latency_p95_ms = Percentile(latencies, 0.95);
  report->latency_p99_ms = Percentile(latencies, 0.99);
  report->latency_mean_ms = latency_sum / n;
  report->exact_latency_mean_ms = exact_total_ms / n;
}

}  // namespace

Status ValidateBenchmarkRequest(const BenchmarkRequest& request, const CollectionConfig& config) {
  const size_t queries = request.vectors.empty() ? request.queries : request.vectors.size();
  if (queries < 1 || queries > kMaxBenchmarkQueries) {
    return BadRequest("queries must be between 1 and " + std::to_string(kMaxBenchmarkQueries) + ", not " +
                      std::to_string(queries));
  }
  if (request.limit < 1 || request.limit > kMaxBenchmarkLimit) {
    return BadRequest("limit must be between 1 and " + std::to_string(kMaxBenchmarkLimit) + ", not " +
                      std::to_string(request.limit));
  }
  const double timeout = request.timeout.count();
  if (!(timeout > 0 && timeout <= kMaxBenchmarkTimeoutSeconds)) {
    return BadRequest("timeout must be more than 0 and at most " +
                      std::to_string(static_cast<int>(kMaxBenchmarkTimeoutSeconds)) + " seconds");
  }
  for (size_t i = 0; i < request.vectors.size(); ++i) {
    RETURN_IF_ERROR(CheckVector(request.vectors[i], config.dim).WithContext("vectors[" + std::to_string(i) + "]"));
  }
  return Status::OK();
}

Result<BenchmarkReport> RunSearchBenchmark(const Collection& collection, const BenchmarkRequest& request,
                                           const std::atomic<bool>& cancel) {
  const auto start = Clock::now();
  const CollectionConfig config = collection.config();
  RETURN_IF_ERROR(ValidateBenchmarkRequest(request, config));
  const StopCheck stop(cancel, start + std::chrono::duration_cast<Clock::duration>(request.timeout));

  BenchmarkReport report;
  report.limit = request.limit;
  report.index = config.index;
  report.params = request.params;
  if (report.params.hnsw_ef == 0) report.params.hnsw_ef = config.hnsw.ef;
  if (report.params.ivf_nprobe == 0) report.params.ivf_nprobe = config.ivf.nprobe;

  Stop stopped = Stop::kNo;
  std::vector<std::vector<float>> sampled;
  if (request.vectors.empty()) {
    ASSIGN_OR_RETURN(sampled, SampleVectors(collection, request.queries, request.seed, stop, &stopped));
  }
  const auto& queries = request.vectors.empty() ? sampled : request.vectors;

  QueryOptions approx = BaseQuery(request);
  approx.hnsw_ef = request.params.hnsw_ef;
  approx.ivf_nprobe = request.params.ivf_nprobe;
  approx.exact = request.params.exact;
  approx.ignore_quantization = request.params.ignore_quantization;
  approx.rescore = request.params.rescore;
  approx.oversampling = request.params.oversampling;
  QueryOptions exact = BaseQuery(request);
  exact.exact = true;

  std::vector<double> latencies, recalls;
  latencies.reserve(queries.size());
  recalls.reserve(queries.size());
  double exact_total_ms = 0;
  for (const std::vector<float>& q : queries) {
    if (stopped != Stop::kNo || (stopped = stop()) != Stop::kNo) break;
    approx.vector = q;
    const auto t0 = Clock::now();
    ASSIGN_OR_RETURN(std::vector<ScoredPoint> found, collection.Query(approx));
    const auto t1 = Clock::now();
    exact.vector = q;
    ASSIGN_OR_RETURN(std::vector<ScoredPoint> truth, collection.Query(exact));
    const auto t2 = Clock::now();
    latencies.push_back(Millis(t1 - t0));
    exact_total_ms += Millis(t2 - t1);
    recalls.push_back(RecallByScore(found, truth, config.metric));
    // Live requests first: whatever else wants this core gets it now.
    std::this_thread::yield();
  }
  Summarise(std::move(latencies), recalls, exact_total_ms, &report);
  report.cancelled = stopped == Stop::kCancelled;
  report.truncated = stopped == Stop::kOutOfTime;
  report.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace sextant
