#include "sextant_bench/ground_truth.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <utility>

namespace sextant::bench {

double TrueDistance(Metric metric, const float* a, const float* b, size_t dim) {
  double s = 0;
  switch (metric) {
    case Metric::kEuclid:
      for (size_t i = 0; i < dim; ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
      return s;
    case Metric::kManhattan:
      for (size_t i = 0; i < dim; ++i) s += std::abs(double(a[i]) - b[i]);
      return s;
    case Metric::kDot:
      for (size_t i = 0; i < dim; ++i) s += double(a[i]) * b[i];
      return -s;
    case Metric::kCosine: {
      double na = 0, nb = 0;
      for (size_t i = 0; i < dim; ++i) {
        s += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
      }
      return na > 0 && nb > 0 ? 1.0 - s / std::sqrt(na * nb) : 1.0;
    }
  }
  return s;
}

NeighborLists ExactNeighbors(const Vectors& base, const Vectors& queries, Metric metric, size_t k, size_t threads) {
  NeighborLists out(queries.rows);
  k = std::min(k, base.rows);
  std::atomic<size_t> next{0};
  auto work = [&] {
    std::vector<std::pair<double, int64_t>> all(base.rows);
    for (size_t q; (q = next++) < queries.rows;) {
      for (size_t i = 0; i < base.rows; ++i) {
        all[i] = {TrueDistance(metric, queries.row(q), base.row(i), base.dim), int64_t(i)};
      }
      // Pairs compare by distance, then row: ties go to the smaller row.
      std::partial_sort(all.begin(), all.begin() + k, all.end());
      out[q].resize(k);
      for (size_t j = 0; j < k; ++j) out[q][j] = all[j].second;
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::max<size_t>(threads, 1); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return out;
}

std::string CheckGroundTruth(const NeighborLists& gt, size_t queries, size_t base_rows, size_t k) {
  if (gt.size() < queries) {
    return "it has " + std::to_string(gt.size()) + " rows for " + std::to_string(queries) + " queries";
  }
  for (size_t q = 0; q < queries; ++q) {
    if (gt[q].size() < k) return "it has " + std::to_string(gt[q].size()) + " neighbours a query, k is " + std::to_string(k);
    for (size_t j = 0; j < k; ++j) {
      if (gt[q][j] < 0 || size_t(gt[q][j]) >= base_rows) {
        return "query " + std::to_string(q) + " has neighbour id " + std::to_string(gt[q][j]) +
               " outside the base (filtered or padded ground truth?)";
      }
    }
  }
  return "";
}

std::vector<double> KthDistances(const Vectors& base, const Vectors& queries, const NeighborLists& gt,
                                 Metric metric, size_t k) {
  std::vector<double> kth(queries.rows);
  for (size_t q = 0; q < queries.rows; ++q) {
    // The largest of the first k, in case the file's order is off by rounding.
    double worst = -INFINITY;
    for (size_t j = 0; j < k; ++j) {
      worst = std::max(worst, TrueDistance(metric, queries.row(q), base.row(size_t(gt[q][j])), base.dim));
    }
    kth[q] = worst;
  }
  return kth;
}

double RecallByDistance(const NeighborLists& results, const Vectors& base, const Vectors& queries, Metric metric,
                        const std::vector<double>& kth, size_t k) {
  if (queries.rows == 0 || k == 0) return 0.0;
  size_t hits = 0;
  for (size_t q = 0; q < queries.rows && q < results.size(); ++q) {
    const double bound = kth[q];
    const double tolerance = 1e-5 * std::max(1.0, std::abs(bound)) + 1e-6;
    const auto first = results[q].begin();
    for (size_t j = 0; j < results[q].size() && j < k; ++j) {
      const int64_t id = results[q][j];
      if (id < 0 || size_t(id) >= base.rows) continue;
      if (std::find(first, first + j, id) != first + j) continue;  // a repeated id is not a second hit
      if (TrueDistance(metric, queries.row(q), base.row(size_t(id)), base.dim) <= bound + tolerance) ++hits;
    }
  }
  return double(hits) / double(queries.rows * k);
}

}  // namespace sextant::bench
