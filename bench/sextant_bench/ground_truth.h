// Ground truth and recall@k counted by distance. Datasets contain exact
// duplicates (siftsmall, glove100), so several ids can be "the" k-th nearest:
// a returned id is a hit when its true distance is within the k-th true
// distance, whatever its id (../shared/data/README.md).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/types.h"
#include "sextant_bench/vectors.h"

namespace sextant::bench {

// True distance in float64, lower is closer: squared L2 (Euclid), 1 - cos
// (Cosine; scale-invariant, so raw vectors give the same value as normalised
// ones), -dot (Dot), L1 (Manhattan).
double TrueDistance(Metric metric, const float* a, const float* b, size_t dim);

// The exact k nearest base rows of every query (brute force in float64; ties
// broken by the smaller row), computed by `threads` threads.
NeighborLists ExactNeighbors(const Vectors& base, const Vectors& queries, Metric metric, size_t k, size_t threads);

// Per query, the true distance of its k-th nearest neighbour, recomputed from
// the ground-truth ids with TrueDistance (so files storing sqrt(L2) or squared
// L2 count alike). REQUIRES: gt.size() >= queries.rows, gt[q].size() >= k, ids
// in range (CheckGroundTruth).
std::vector<double> KthDistances(const Vectors& base, const Vectors& queries, const NeighborLists& gt,
                                 Metric metric, size_t k);

// Whether `gt` can serve recall@k for these queries: "" if so, else why not.
std::string CheckGroundTruth(const NeighborLists& gt, size_t queries, size_t base_rows, size_t k);

// Mean recall@k over the queries: returned id i of query q is a hit when
// TrueDistance(q, i) <= kth[q] (relative tolerance 1e-5, for float rounding).
// Only the first k ids of a result count; ids out of range are misses.
double RecallByDistance(const NeighborLists& results, const Vectors& base, const Vectors& queries, Metric metric,
                        const std::vector<double>& kth, size_t k);

}  // namespace sextant::bench
