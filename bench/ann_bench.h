// What the in-process ANN benchmarks (hnsw_vs_hnswlib, ivf_vs_faiss) share:
// timing, normalising for cosine, recall@10 by distance against the dataset's
// ground truth, and reading QPS at a recall target off a sweep.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include "support/datasets.h"

namespace sextant::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

inline void Normalize(testing::Matrix& m) {
  for (size_t r = 0; r < m.rows; ++r) {
    float* v = m.data.data() + r * m.dim;
    double n = 0;
    for (size_t i = 0; i < m.dim; ++i) n += double(v[i]) * v[i];
    const float inv = n > 0 ? float(1.0 / std::sqrt(n)) : 0.0f;
    for (size_t i = 0; i < m.dim; ++i) v[i] *= inv;
  }
}

// Recall@10 of `results` (ids per query), counted by true distance (ties
// exist) against `gt_dist`, from the raw (unnormalised) vectors.
inline double RecallAt10(const std::vector<std::vector<int64_t>>& results, const testing::Matrix& raw_base,
                         const testing::Matrix& raw_queries, const std::vector<std::vector<float>>& gt_dist,
                         bool cosine) {
  size_t hits = 0;
  for (size_t q = 0; q < results.size(); ++q) {
    hits += testing::HitsByDistance(results[q], gt_dist[q], 10, [&](int64_t id) {
      const float* a = raw_queries.row(q);
      const float* b = raw_base.row(static_cast<size_t>(id));
      return cosine ? testing::CosineDistance(a, b, raw_base.dim) : testing::SquaredL2(a, b, raw_base.dim);
    });
  }
  return double(hits) / double(results.size() * 10);
}

// One step of a sweep (an ef or nprobe).
struct CurvePoint {
  double qps, recall;
};

// QPS at the first step of the sweep reaching `target`; 0 if none does.
inline double QpsAtRecall(const std::vector<CurvePoint>& curve, double target) {
  for (const CurvePoint& p : curve) {
    if (p.recall >= target) return p.qps;
  }
  return 0.0;
}

}  // namespace sextant::bench
