// Builds the same HNSW (same M, ef_construction, data, insertion threads) with
// our HnswIndex (float walk, and int8 walk with float rescoring) and with raw
// hnswlib, then measures single-thread search QPS and recall@10 of each at the
// same ef, interleaved in one run so that machine noise hits all alike. Prints
// a table, the QPS ratios ours / hnswlib, and the QPS of each at recall 0.90,
// 0.95 and 0.99 (the first ef of the sweep that reaches it).
//
//   hnsw_vs_hnswlib [glove100|siftsmall] [m] [ef_construct] [build_threads]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>

#include "ann_bench.h"
#include "index/hnsw_index.h"
#include "index/index_factory.h"
#include "raw_hnswlib.h"

using namespace sextant;
using bench::Clock;
using bench::Seconds;

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "glove100";
  const size_t m = argc > 2 ? std::stoul(argv[2]) : 16;
  const size_t efc = argc > 3 ? std::stoul(argv[3]) : 200;
  const size_t threads = argc > 4 ? std::stoul(argv[4]) : 2;
  const bool cosine = name == "glove100";
  const std::string dir = testing::SharedDataDir() + "/" + name;
  testing::Matrix base = testing::ReadFvecs(dir + "/base.fvecs");
  testing::Matrix queries = testing::ReadFvecs(dir + "/query.fvecs");
  const auto gt_dist = testing::ReadVecs<float>(dir + "/gt_dist.fvecs");
  const testing::Matrix raw_base = base, raw_queries = queries;
  if (cosine) {
    bench::Normalize(base);
    bench::Normalize(queries);
  }
  // BENCH_N keeps only the first N base vectors (recall is then not meaningful;
  // for profiling under callgrind), BENCH_EF runs a single ef.
  if (const char* limit = std::getenv("BENCH_N")) {
    base.rows = std::min<size_t>(base.rows, std::stoul(limit));
    base.data.resize(base.rows * base.dim);
  }
  const size_t n = base.rows, dim = base.dim;
  std::printf("dataset %s: %zu x %zu, %zu queries, M=%zu ef_construction=%zu, %zu build threads\n",
              name.c_str(), n, dim, queries.rows, m, efc, threads);

  const Metric metric = cosine ? Metric::kCosine : Metric::kEuclid;
  IndexSpec spec{.kind = IndexSpec::Kind::kHnsw, .m = m, .ef_construct = efc, .build_threads = threads};
  auto t0 = Clock::now();
  auto ours = MakeIndex(spec, dim, metric, n);
  std::vector<Offset> offsets(n);
  std::iota(offsets.begin(), offsets.end(), 0);
  if (!ours.ok() || !(*ours)->Add(offsets, MatrixView(base.data.data(), n, dim)).ok()) {
    std::fprintf(stderr, "build failed\n");
    return 1;
  }
  auto t1 = Clock::now();
  bench::RawHnswlib raw(dim, n, m, efc, cosine);
  raw.Add(base.data.data(), n, threads);
  auto t2 = Clock::now();
  IndexSpec int8_spec = spec;
  int8_spec.codes = Codes::kSq8;
  auto int8 = MakeIndex(int8_spec, dim, metric, n);
  if (!int8.ok() || !(*int8)->Add(offsets, MatrixView(base.data.data(), n, dim)).ok()) {
    std::fprintf(stderr, "int8 build failed\n");
    return 1;
  }
  auto t3 = Clock::now();
  std::printf("build: ours %.1fs, hnswlib %.1fs, ours int8 %.1fs\n", Seconds(t0, t1), Seconds(t1, t2),
              Seconds(t2, t3));

  auto recall_of = [&](const std::vector<std::vector<int64_t>>& results) {
    return bench::RecallAt10(results, raw_base, raw_queries, gt_dist, cosine);
  };

  std::printf("\n%6s | %10s %8s | %10s %8s | %10s %8s | %7s %7s\n", "ef", "ours QPS", "recall", "int8 QPS",
              "recall", "hnswlib", "recall", "ours/hl", "int8/hl");
  std::vector<bench::CurvePoint> ours_curve, int8_curve, raw_curve;
  std::vector<size_t> efs = {32, 64, 96, 128, 192, 256, 384, 512, 768, 1024};
  if (const char* one = std::getenv("BENCH_EF")) efs = {std::stoul(one)};
  for (size_t ef : efs) {
    raw.SetEf(ef);
    std::vector<std::vector<int64_t>> ours_res(queries.rows), raw_res(queries.rows), int8_res(queries.rows);
    // The machine is shared: other tenants' bursts only ever add time. Queries
    // go in chunks, ours and hnswlib alternate chunk by chunk (which one goes
    // first alternates by round), and each chunk keeps its best time over the
    // rounds; the sum of the best chunk times is far steadier than best-of-run.
    constexpr size_t kChunk = 50;
    const size_t chunks = (queries.rows + kChunk - 1) / kChunk;
    std::vector<double> ours_best(chunks, 1e9), raw_best(chunks, 1e9), int8_best(chunks, 1e9);
    auto run_ours = [&](size_t c, bool keep) {
      auto a = Clock::now();
      for (size_t q = c * kChunk; q < std::min(queries.rows, (c + 1) * kChunk); ++q) {
        auto hits = (*ours)->Search({queries.row(q), dim}, SearchParams{.k = 10, .ef = ef});
        if (keep) for (const Hit& h : *hits) ours_res[q].push_back(h.offset);
      }
      ours_best[c] = std::min(ours_best[c], Seconds(a, Clock::now()));
    };
    auto run_int8 = [&](size_t c, bool keep) {
      auto a = Clock::now();
      for (size_t q = c * kChunk; q < std::min(queries.rows, (c + 1) * kChunk); ++q) {
        auto hits = (*int8)->Search({queries.row(q), dim}, SearchParams{.k = 10, .ef = ef});
        if (keep) for (const Hit& h : *hits) int8_res[q].push_back(h.offset);
      }
      int8_best[c] = std::min(int8_best[c], Seconds(a, Clock::now()));
    };
    auto run_raw = [&](size_t c, bool keep) {
      auto a = Clock::now();
      for (size_t q = c * kChunk; q < std::min(queries.rows, (c + 1) * kChunk); ++q) {
        auto ids = raw.Search(queries.row(q), 10);
        if (keep) for (uint64_t id : ids) raw_res[q].push_back(int64_t(id));
      }
      raw_best[c] = std::min(raw_best[c], Seconds(a, Clock::now()));
    };
    const int rounds = std::getenv("BENCH_ROUNDS") ? std::atoi(std::getenv("BENCH_ROUNDS")) : 6;
    for (int round = 0; round < rounds; ++round) {
      for (size_t c = 0; c < chunks; ++c) {
        if ((round + c) % 2 == 0) {
          run_ours(c, round == 0);
          run_int8(c, round == 0);
          run_raw(c, round == 0);
        } else {
          run_raw(c, round == 0);
          run_int8(c, round == 0);
          run_ours(c, round == 0);
        }
      }
    }
    const double ours_s = std::accumulate(ours_best.begin(), ours_best.end(), 0.0);
    const double raw_s = std::accumulate(raw_best.begin(), raw_best.end(), 0.0);
    const double int8_s = std::accumulate(int8_best.begin(), int8_best.end(), 0.0);
    const double ours_qps = queries.rows / ours_s, raw_qps = queries.rows / raw_s, int8_qps = queries.rows / int8_s;
    ours_curve.push_back({ours_qps, recall_of(ours_res)});
    int8_curve.push_back({int8_qps, recall_of(int8_res)});
    raw_curve.push_back({raw_qps, recall_of(raw_res)});
    std::printf("%6zu | %10.0f %8.4f | %10.0f %8.4f | %10.0f %8.4f | %6.2fx %6.2fx\n", ef, ours_qps,
                ours_curve.back().recall, int8_qps, int8_curve.back().recall, raw_qps, raw_curve.back().recall,
                ours_qps / raw_qps, int8_qps / raw_qps);
  }
  // QPS at a recall target: at the first ef of the sweep that reaches it.
  std::printf("\n%8s | %10s %10s %10s | %7s %7s\n", "recall", "ours", "int8", "hnswlib", "ours/hl", "int8/hl");
  for (double target : {0.90, 0.95, 0.99}) {
    const double o = bench::QpsAtRecall(ours_curve, target), i = bench::QpsAtRecall(int8_curve, target), r = bench::QpsAtRecall(raw_curve, target);
    std::printf("%8.2f | %10.0f %10.0f %10.0f | %6.2fx %6.2fx\n", target, o, i, r, r > 0 ? o / r : 0.0,
                r > 0 ? i / r : 0.0);
  }
  std::printf("\nmemory: ours %.1f MiB for %zu vectors (%.0f bytes/vector); int8 %.1f MiB (%.0f bytes/vector, of "
              "which %zu walked code bytes)\n",
              (*ours)->MemoryBytes() / 1048576.0, n, double((*ours)->MemoryBytes()) / n,
              (*int8)->MemoryBytes() / 1048576.0, double((*int8)->MemoryBytes()) / n, dim + sizeof(float));
  return 0;
}
