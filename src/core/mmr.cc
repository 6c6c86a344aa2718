#include "core/mmr.h"

#include <limits>

#include "index/metric_distance.h"

namespace sextant {

std::vector<size_t> SelectMmr(const std::vector<MmrCandidate>& candidates, Metric metric,
                              size_t dim, float diversity, size_t limit) {
  const MetricDistance distance(metric, dim);
  auto similarity = [&](const float* a, const float* b) {
    // Same orientation as the query similarity: higher = more alike.
    const float d = distance(a, b);
    return HigherIsCloser(metric) ? 1.0f - d : -ScoreFromDistance(metric, d);
  };
  const size_t n = candidates.size();
  std::vector<size_t> selected;
  std::vector<bool> taken(n, false);
  // Highest similarity to any selected item so far, per candidate.
  std::vector<float> max_sim(n, -std::numeric_limits<float>::infinity());
  while (selected.size() < std::min(limit, n)) {
    size_t best = n;
    float best_score = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < n; ++i) {
      if (taken[i]) continue;
      const float redundancy = selected.empty() ? 0.0f : max_sim[i];
      const float score = (1.0f - diversity) * candidates[i].similarity - diversity * redundancy;
      if (best == n || score > best_score) {
        best = i;
        best_score = score;
      }
    }
    taken[best] = true;
    selected.push_back(best);
    for (size_t i = 0; i < n; ++i) {
      if (!taken[i]) {
        max_sim[i] = std::max(max_sim[i], similarity(candidates[i].vector, candidates[best].vector));
      }
    }
  }
  return selected;
}

}  // namespace sextant
