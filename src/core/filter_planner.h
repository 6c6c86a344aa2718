// The filtered-search planner: how to search one segment for the k nearest
// points among those a filter accepts, from the filter's cardinality.
//
//   kScan  — the segment is exact (flat): test the filter on every row.
//   kAmong — few points match: compute distances to the matching points only
//            (exact; cost proportional to the matches, not the segment).
//   kWalk  — many match: walk the HNSW graph testing the filter at each node
//            (rejected nodes are walked through, never returned). The lower
//            the share that matches, the wider the beam (ef), so that recall
//            holds where a plain walk would run out of accepted neighbours.
//
// Never post-filtering: every plan returns the k best accepted points it finds.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace sextant {

struct SegmentPlan {
  enum class Kind { kScan, kAmong, kWalk };
  Kind kind = Kind::kWalk;
  size_t ef = 0;  // kWalk: the beam width to use
};

struct PlanInput {
  bool segment_exact = false;     // flat segment (growing or waiting for its index)
  size_t segment_points = 0;      // vectors in the segment (live or not)
  double selectivity = 1.0;       // matching points in the segment / segment_points
  size_t full_scan_points = 0;    // at most this many expected matches: kAmong
  size_t ef = 0;                  // the search's beam width
  size_t k = 0;
};

// The widest beam a low selectivity may ask for, as a multiple of ef.
inline constexpr double kMaxEfWidening = 8.0;

// The walk's beam at this selectivity: below half the points matching,
// max(ef, k) widened by 1/sqrt(selectivity) (10% -> 3.2x, 2% -> 7x), capped.
inline size_t WidenedEf(double selectivity, size_t ef, size_t k) {
  double widen = selectivity >= 0.5 ? 1.0 : 1.0 / std::sqrt(std::max(selectivity, 1e-9));
  widen = std::min(widen, kMaxEfWidening);
  return static_cast<size_t>(std::ceil(static_cast<double>(std::max(ef, k)) * widen));
}

inline SegmentPlan PlanSegmentSearch(const PlanInput& in) {
  if (in.segment_exact) return {SegmentPlan::Kind::kScan, 0};
  const double expected = in.selectivity * static_cast<double>(in.segment_points);
  const size_t ef = WidenedEf(in.selectivity, in.ef, in.k);
  // Few matches: exact. Also when no more match than the beam would hold: a
  // walk that cannot fill its beam visits the whole graph.
  if (expected <= static_cast<double>(std::max(in.full_scan_points, ef))) return {SegmentPlan::Kind::kAmong, 0};
  return {SegmentPlan::Kind::kWalk, ef};
}

}  // namespace sextant
