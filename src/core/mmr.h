// Maximal marginal relevance: re-ranks candidates to trade relevance to the
// query for diversity among the results (Qdrant's `mmr` query, which LangChain's
// maxMarginalRelevanceSearch sends).
#pragma once

#include <cstddef>
#include <vector>

#include "common/types.h"

namespace sextant {

struct MmrCandidate {
  const float* vector;  // borrowed, dim floats
  float similarity;     // to the query: higher is more relevant
};

// Greedy MMR: picks, one at a time, the candidate maximising
//   (1 - diversity) * similarity(query, c) - diversity * max_s similarity(c, s)
// over already selected s. Similarity between vectors follows the metric
// (dot for Cosine/Dot, negated distance for Euclid/Manhattan).
// Returns indexes into `candidates`, in selection order, at most `limit`.
std::vector<size_t> SelectMmr(const std::vector<MmrCandidate>& candidates, Metric metric,
                              size_t dim, float diversity, size_t limit);

}  // namespace sextant
