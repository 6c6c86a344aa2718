// Builds the same HNSW (same M, ef_construction, data, insertion threads) with
// our HnswIndex and with raw hnswlib, then measures single-thread search QPS and
// recall@10 of each at the same ef, interleaved in one run so that machine noise
// hits both alike. Prints a table and the QPS ratio ours / hnswlib.
//
//   hnsw_vs_hnswlib [glove100|siftsmall] [m] [ef_construct] [build_threads]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>

#include "index/hnsw_index.h"
#include "index/index_factory.h"
#include "raw_hnswlib.h"
#include "support/datasets.h"

using namespace sextant;
using Clock = std::chrono::steady_clock;

namespace {

void Normalize(testing::Matrix& m) {
  for (size_t r = 0; r < m.rows; ++r) {
    float* v = m.data.data() + r * m.dim;
    double n = 0;
    for (size_t i = 0; i < m.dim; ++i) n += double(v[i]) * v[i];
    const float inv = n > 0 ? float(1.0 / std::sqrt(n)) : 0.0f;
    for (size_t i = 0; i < m.dim; ++i) v[i] *= inv;
  }
}

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

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
    Normalize(base);
    Normalize(queries);
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
  std::printf("build: ours %.1fs, hnswlib %.1fs\n", Seconds(t0, t1), Seconds(t1, t2));

  auto true_distance = [&](size_t q, uint64_t id) {
    const float* a = raw_queries.row(q);
    const float* b = raw_base.row(id);
    double dot = 0, na = 0, nb = 0, l2 = 0;
    for (size_t i = 0; i < dim; ++i) {
      dot += double(a[i]) * b[i];
      na += double(a[i]) * a[i];
      nb += double(b[i]) * b[i];
      l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    }
    return cosine ? 1.0 - dot / std::sqrt(na * nb) : l2;
  };
  auto recall_of = [&](const std::vector<std::vector<int64_t>>& results) {
    size_t hits = 0;
    for (size_t q = 0; q < results.size(); ++q) {
      hits += testing::HitsByDistance(results[q], gt_dist[q], 10, [&](int64_t id) { return true_distance(q, id); });
    }
    return double(hits) / double(results.size() * 10);
  };

  std::printf("\n%6s | %12s %8s | %12s %8s | %s\n", "ef", "ours QPS", "recall", "hnswlib QPS", "recall", "QPS ratio");
  for (size_t ef : {32, 64, 96, 128, 192, 256, 384, 512}) {
    raw.SetEf(ef);
    std::vector<std::vector<int64_t>> ours_res(queries.rows), raw_res(queries.rows);
    // Best of several rounds: noise on a shared machine only ever adds time.
    double ours_s = 1e9, raw_s = 1e9;
    // Alternate which index goes first in each round so that neither always
    // runs on caches the other left behind.
    auto run_ours = [&](bool keep) {
      auto a = Clock::now();
      for (size_t q = 0; q < queries.rows; ++q) {
        auto hits = (*ours)->Search({queries.row(q), dim}, SearchParams{.k = 10, .ef = ef});
        if (keep) for (const Hit& h : *hits) ours_res[q].push_back(h.offset);
      }
      ours_s = std::min(ours_s, Seconds(a, Clock::now()));
    };
    auto run_raw = [&](bool keep) {
      auto a = Clock::now();
      for (size_t q = 0; q < queries.rows; ++q) {
        auto ids = raw.Search(queries.row(q), 10);
        if (keep) for (uint64_t id : ids) raw_res[q].push_back(int64_t(id));
      }
      raw_s = std::min(raw_s, Seconds(a, Clock::now()));
    };
    const int rounds = std::getenv("BENCH_ROUNDS") ? std::atoi(std::getenv("BENCH_ROUNDS")) : 6;
    for (int round = 0; round < rounds; ++round) {
      if (round % 2 == 0) {
        run_ours(round == 0);
        run_raw(round == 0);
      } else {
        run_raw(false);
        run_ours(false);
      }
    }
    const double ours_qps = queries.rows / ours_s, raw_qps = queries.rows / raw_s;
    std::printf("%6zu | %12.0f %8.4f | %12.0f %8.4f | %.2fx\n", ef, ours_qps, recall_of(ours_res), raw_qps,
                recall_of(raw_res), ours_qps / raw_qps);
  }
  std::printf("\nmemory: ours %.1f MiB for %zu vectors (%.0f bytes/vector)\n",
              (*ours)->MemoryBytes() / 1048576.0, n, double((*ours)->MemoryBytes()) / n);
  return 0;
}
