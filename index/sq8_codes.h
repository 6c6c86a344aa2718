// SQ8 codes: one byte per dimension over a per-dimension range, shared by the
// IVF-SQ8 list scans (ivf_index.cc) and the int8 HNSW walk (hnsw_index.cc).
// A value x of dimension d is stored as round((x - lo[d]) / step[d]) clamped
// to 0..255, and read back as lo[d] + step[d] * code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/types.h"

namespace sextant {

struct Sq8Ranges {
  std::vector<float> lo;    // dim lower bounds
  std::vector<float> step;  // dim steps: (high - low) / 255, 1 for a constant dimension
};

// The range of each dimension holding `quantile` of the values of (at most
// `max_rows` evenly spaced) rows: the 256 levels go to the bulk of the
// values, the rare outliers clamp (rescoring with the floats corrects them).
Sq8Ranges TrainSq8Ranges(MatrixView rows, float quantile, size_t max_rows = 65536);

// Writes dim bytes to `code`.
void EncodeSq8(const float* row, const Sq8Ranges& ranges, uint8_t* code);

// Squared norm of the decoded vector (the int8 HNSW walk's L2 correction).
float DecodedSquaredNorm(const uint8_t* code, const Sq8Ranges& ranges);

}  // namespace sextant
