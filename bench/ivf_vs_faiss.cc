// Builds IVF indexes with the same nlist on the same data with our IvfIndex
// and with raw FAISS (IndexIVFFlat, IndexIVFScalarQuantizer 8-bit, IndexIVFPQ
// with the same m), then measures single-thread QPS and recall@10 of each at
// the same nprobe, interleaved in one run so that machine noise hits both
// alike. For SQ8/PQ both rescore with the float vectors the same number of
// candidates: ours by default (k x 2 for sq8, k x 4 for pq), FAISS through its
// IndexRefineFlat with that k_factor. The summary compares QPS at equal recall.
//
//   ivf_vs_faiss [glove100|siftsmall] [flat|sq8|pq] [nlist]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>

#include "ann_bench.h"
#include "index/index_factory.h"
#include "index/ivf_index.h"
#include "raw_faiss.h"

using namespace sextant;
using bench::Clock;
using bench::Seconds;

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "glove100";
  const std::string kind = argc > 2 ? argv[2] : "flat";
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
  const size_t n = base.rows, dim = base.dim;
  IndexSpec spec;
  spec.kind = IndexSpec::Kind::kIvf;
  spec.build_threads = 2;
  spec.codes = kind == "sq8" ? Codes::kSq8 : kind == "pq" ? Codes::kPq : Codes::kNone;
  spec.nlist = argc > 3 ? std::stoul(argv[3]) : IvfIndex::ListsFor(spec, n);
  const size_t pq_m = IvfIndex::PqSubquantizers(spec, dim);
  std::printf("dataset %s: %zu x %zu, %zu queries, IVF-%s nlist=%zu%s\n", name.c_str(), n, dim, queries.rows,
              kind.c_str(), spec.nlist, spec.codes == Codes::kPq ? (" pq_m=" + std::to_string(pq_m)).c_str() : "");

  const Metric metric = cosine ? Metric::kCosine : Metric::kEuclid;
  auto t0 = Clock::now();
  auto ours = MakeIndex(spec, dim, metric, n);
  std::vector<Offset> offsets(n);
  std::iota(offsets.begin(), offsets.end(), 0);
  if (!ours.ok() || !(*ours)->Add(offsets, MatrixView(base.data.data(), n, dim)).ok()) {
    std::fprintf(stderr, "build failed\n");
    return 1;
  }
  auto t1 = Clock::now();
  const auto codes = spec.codes == Codes::kSq8  ? bench::RawFaissIvf::Codes::kSq8
                     : spec.codes == Codes::kPq ? bench::RawFaissIvf::Codes::kPq
                                                : bench::RawFaissIvf::Codes::kFlat;
  const float refine = spec.codes == Codes::kSq8  ? float(IvfIndex::kSq8Oversampling)
                       : spec.codes == Codes::kPq ? float(IvfIndex::kPqOversampling)
                                                  : 1.0f;
  bench::RawFaissIvf raw(dim, spec.nlist, codes, pq_m, cosine, refine);
  raw.Train(base.data.data(), n, 2);
  raw.Add(base.data.data(), n);
  auto t2 = Clock::now();
  std::printf("build: ours %.1fs, faiss %.1fs\n", Seconds(t0, t1), Seconds(t1, t2));

  auto recall_of = [&](const std::vector<std::vector<int64_t>>& results) {
    return bench::RecallAt10(results, raw_base, raw_queries, gt_dist, cosine);
  };

  std::vector<bench::CurvePoint> ours_curve, raw_curve;
  std::printf("\n%6s | %10s %8s | %10s %8s | %s\n", "nprobe", "ours QPS", "recall", "faiss QPS", "recall", "ratio");
  for (size_t nprobe : {4, 8, 16, 32, 48, 64, 96, 128, 192, 256}) {
    if (nprobe > spec.nlist) break;
    raw.SetNprobe(nprobe);
    std::vector<std::vector<int64_t>> ours_res(queries.rows), raw_res(queries.rows);
    // As hnsw_vs_hnswlib: chunks alternate, each keeps its best time of the rounds.
    constexpr size_t kChunk = 50;
    const size_t chunks = (queries.rows + kChunk - 1) / kChunk;
    std::vector<double> ours_best(chunks, 1e9), raw_best(chunks, 1e9);
    auto run_ours = [&](size_t c, bool keep) {
      auto a = Clock::now();
      for (size_t q = c * kChunk; q < std::min(queries.rows, (c + 1) * kChunk); ++q) {
        auto hits = (*ours)->Search({queries.row(q), dim}, SearchParams{.k = 10, .nprobe = nprobe});
        if (keep) for (const Hit& h : *hits) ours_res[q].push_back(h.offset);
      }
      ours_best[c] = std::min(ours_best[c], Seconds(a, Clock::now()));
    };
    auto run_raw = [&](size_t c, bool keep) {
      auto a = Clock::now();
      for (size_t q = c * kChunk; q < std::min(queries.rows, (c + 1) * kChunk); ++q) {
        auto ids = raw.Search(queries.row(q), 10);
        if (keep) raw_res[q] = ids;
      }
      raw_best[c] = std::min(raw_best[c], Seconds(a, Clock::now()));
    };
    const int rounds = std::getenv("BENCH_ROUNDS") ? std::atoi(std::getenv("BENCH_ROUNDS")) : 4;
    for (int round = 0; round < rounds; ++round) {
      for (size_t c = 0; c < chunks; ++c) {
        if ((round + c) % 2 == 0) {
          run_ours(c, round == 0);
          run_raw(c, round == 0);
        } else {
          run_raw(c, round == 0);
          run_ours(c, round == 0);
        }
      }
    }
    const double ours_qps = queries.rows / std::accumulate(ours_best.begin(), ours_best.end(), 0.0);
    const double raw_qps = queries.rows / std::accumulate(raw_best.begin(), raw_best.end(), 0.0);
    ours_curve.push_back({ours_qps, recall_of(ours_res)});
    raw_curve.push_back({raw_qps, recall_of(raw_res)});
    std::printf("%6zu | %10.0f %8.4f | %10.0f %8.4f | %.2fx\n", nprobe, ours_qps, ours_curve.back().recall, raw_qps,
                raw_curve.back().recall, ours_qps / raw_qps);
  }
  std::printf("\n%8s | %10s %10s | %s\n", "recall", "ours", "faiss", "ratio");
  for (double target : {0.90, 0.95, 0.99}) {
    const double o = bench::QpsAtRecall(ours_curve, target), r = bench::QpsAtRecall(raw_curve, target);
    std::printf("%8.2f | %10.0f %10.0f | %s\n", target, o, r,
                r > 0 && o > 0 ? (std::to_string(o / r).substr(0, 4) + "x").c_str() : "n/a (not reached)");
  }
  const auto& typed = static_cast<const IvfIndex&>(**ours);
  std::printf("\nmemory per vector: ours %.0f bytes (%zu scanned: codes or floats; floats kept for rescoring), "
              "faiss %.0f bytes (codes + 8-byte id)\n",
              double((*ours)->MemoryBytes()) / n, typed.ScannedBytesPerVector(), double(raw.MemoryBytes()) / n);
  return 0;
}
