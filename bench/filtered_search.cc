// Filtered search across selectivities on glove100 (100k x 100, cosine), in
// process, single thread: each point gets a random integer r in [0, 1000) with
// an integer payload index, and the filter `r < t` matches 0.1%, 1%, 10%, 50%
// and 100% of the points. For each selectivity, recall@10 (by distance,
// against the exact filtered top 10) and QPS of:
//   planner   — what the collection picks (exact among matches, or the walk)
//   walk      — the filtered HNSW walk forced, with the planner's widened ef
//   walk-ef   — the filtered HNSW walk forced, with the plain ef (no widening)
//   exact     — distances to every matching point
// next to the unfiltered search's QPS. Interleaved in one run, so that noise
// hits all alike.
//
//   filtered_search [queries=1000]     (env SEXTANT_BENCH_LOG=info for logs)
// BENCH_DIR=path keeps the built collection there and reuses it next time
// (for profiling the queries without rebuilding).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

#include "core/collection.h"
#include "support/datasets.h"

using namespace sextant;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::shared_ptr<const Filter> Below(int64_t t) {
  auto f = std::make_shared<Filter>();
  if (t >= 1000) return f;  // 100%: an empty filter... measured as `r >= 0` below instead
  f->must.push_back(Condition{FieldCondition{*ParseFieldPath("r"), NumberRange{.lt = static_cast<double>(t)}}});
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t nq = argc > 1 ? std::stoul(argv[1]) : 1000;
  spdlog::set_level(std::getenv("SEXTANT_BENCH_LOG") ? spdlog::level::info : spdlog::level::warn);
  const std::string dir = testing::SharedDataDir() + "/glove100";
  const testing::Matrix base = testing::ReadFvecs(dir + "/base.fvecs");
  testing::Matrix queries = testing::ReadFvecs(dir + "/query.fvecs");
  queries.rows = std::min(queries.rows, nq);

  const char* keep = std::getenv("BENCH_DIR");
  const std::string path = keep != nullptr ? std::string(keep)
                                           : std::string(std::filesystem::temp_directory_path() /
                                                         ("sextant-filtered-bench-" + std::to_string(getpid())));
  const bool reuse = keep != nullptr && std::filesystem::exists(path);
  if (keep == nullptr) std::filesystem::remove_all(path);
  CollectionConfig config;  // the server's defaults
  config.dim = base.dim;
  config.metric = Metric::kCosine;
  Collection::Env env;
  env.build_threads = 2;
  auto created = reuse ? Collection::Open(path, env) : Collection::Create(path, "glove", config, env);
  if (!created.ok()) {
    std::fprintf(stderr, "create: %s\n", created.status().ToString().c_str());
    return 1;
  }
  auto c = *created;
  if (!reuse && !c->CreateFieldIndex("r", PayloadSchema::kInteger).ok()) return 1;
  std::mt19937 rng(42);
  const auto t0 = Clock::now();
  for (size_t b = 0; !reuse && b < base.rows; b += 1000) {
    std::vector<PointInput> batch;
    for (size_t i = b; i < std::min(base.rows, b + 1000); ++i) {
      batch.push_back(PointInput{PointId::Num(i), std::vector<float>(base.row(i), base.row(i) + base.dim),
                                 "{\"r\":" + std::to_string(rng() % 1000) + "}"});
    }
    if (!c->Upsert(std::move(batch)).ok()) return 1;
  }
  bool more = true;
  while (more) {
    if (!c->OptimizeStep(&more).ok()) return 1;
  }
  const CollectionInfo info = c->Info();
  std::printf("glove100: %zu points, %zu segments, %zu indexed, built in %.1f s; %zu queries, single thread\n",
              info.points_count, info.segments_count, info.indexed_vectors_count, Seconds(t0, Clock::now()),
              queries.rows);

  auto run = [&](const QueryOptions& base_options, std::vector<std::vector<ScoredPoint>>* out) {
    out->assign(queries.rows, {});
    const auto start = Clock::now();
    for (size_t q = 0; q < queries.rows; ++q) {
      QueryOptions o = base_options;
      o.vector.assign(queries.row(q), queries.row(q) + queries.dim);
      o.limit = 10;
      auto r = c->Query(o);
      if (!r.ok()) {
        std::fprintf(stderr, "query: %s\n", r.status().ToString().c_str());
        std::exit(1);
      }
      (*out)[q] = std::move(*r);
    }
    return double(queries.rows) / Seconds(start, Clock::now());
  };
  // Recall@10 by score against the exact filtered answer (cosine: higher is closer).
  auto recall = [&](const std::vector<std::vector<ScoredPoint>>& got, const std::vector<std::vector<ScoredPoint>>& truth) {
    size_t hits = 0, wanted = 0;
    for (size_t q = 0; q < got.size(); ++q) {
      const size_t k = truth[q].size();
      if (k == 0) continue;
      const float bound = truth[q][k - 1].score;
      wanted += k;
      for (size_t i = 0; i < got[q].size() && i < k; ++i) hits += got[q][i].score >= bound - 1e-5f ? 1 : 0;
    }
    return wanted == 0 ? 1.0 : double(hits) / double(wanted);
  };

  std::vector<std::vector<ScoredPoint>> results, truth;
  QueryOptions plain;
  const double unfiltered_qps = run(plain, &results);
  QueryOptions plain_exact;
  plain_exact.exact = true;
  run(plain_exact, &truth);
  std::printf("unfiltered: recall@10 %.4f at %.0f QPS (ef %zu)\n\n", recall(results, truth), unfiltered_qps, config.hnsw.ef);

  std::printf("| matching | resolve µs | plan chosen | planner recall | planner QPS | walk (widened ef) recall | QPS | walk (plain ef) recall | QPS | exact QPS |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (int64_t t : {1, 10, 100, 500, 1000}) {
    QueryOptions o;
    o.filter = t < 1000 ? Below(t) : nullptr;
    if (t == 1000) {  // every point matches: a real filter that keeps all (r >= 0)
      auto f = std::make_shared<Filter>();
      f->must.push_back(Condition{FieldCondition{*ParseFieldPath("r"), NumberRange{.gte = 0}}});
      o.filter = f;
    }
    auto count = c->Count(*o.filter);
    const auto resolve_start = Clock::now();
    for (int i = 0; i < 100; ++i) (void)c->ResolveFilter(*o.filter);
    const double resolve_us = Seconds(resolve_start, Clock::now()) * 1e6 / 100;
    QueryOptions exact = o;
    exact.exact = true;
    const double exact_qps = run(exact, &truth);
    const double planner_qps = run(o, &results);
    const double planner_recall = recall(results, truth);
    // What the planner picked for the (one or few) indexed segments.
    const double selectivity = double(*count) / double(info.points_count);
    const SegmentPlan plan = PlanSegmentSearch(PlanInput{.segment_exact = false,
                                                         .segment_points = info.indexed_vectors_count,
                                                         .selectivity = selectivity,
                                                         .full_scan_points = config.hnsw.full_scan_threshold * 1024 / (config.dim * 4),
                                                         .ef = config.hnsw.ef,
                                                         .k = 10});
    QueryOptions walk = o;
    walk.force_plan = SegmentPlan::Kind::kWalk;
    const double walk_qps = run(walk, &results);
    const double walk_recall = recall(results, truth);
    QueryOptions walk_plain = walk;
    walk_plain.hnsw_ef = config.hnsw.ef;
    const double walk_plain_qps = run(walk_plain, &results);
    const double walk_plain_recall = recall(results, truth);
    std::printf("| %.1f%% (%zu) | %.0f | %s | %.4f | %.0f | %.4f (ef %zu) | %.0f | %.4f (ef %zu) | %.0f | %.0f |\n",
                100.0 * selectivity, *count, resolve_us, plan.kind == SegmentPlan::Kind::kAmong ? "exact among matches" : "walk",
                planner_recall, planner_qps, walk_recall,
                WidenedEf(selectivity, config.hnsw.ef, 10),
                walk_qps, walk_plain_recall, config.hnsw.ef, walk_plain_qps, exact_qps);
    std::fflush(stdout);
  }
  c.reset();
  if (keep == nullptr) std::filesystem::remove_all(path);
  return 0;
}
