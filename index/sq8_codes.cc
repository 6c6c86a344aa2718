#include "index/sq8_codes.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sextant {

Sq8Ranges TrainSq8Ranges(MatrixView rows, float quantile, size_t max_rows) {
  const size_t dim = rows.dim();
  Sq8Ranges ranges{std::vector<float>(dim, 0.0f), std::vector<float>(dim, 1.0f)};
  if (rows.rows() == 0) return ranges;
  const size_t stride = std::max<size_t>(1, (rows.rows() + max_rows - 1) / max_rows);
  std::vector<size_t> sample;
  for (size_t i = 0; i < rows.rows(); i += stride) sample.push_back(i);
  const size_t n = sample.size();
  const double tail = (1.0 - std::clamp<double>(quantile, 0.5, 1.0)) / 2.0;
  const size_t low_rank = static_cast<size_t>(std::floor(tail * static_cast<double>(n - 1)));
  const size_t high_rank = n - 1 - low_rank;
  std::vector<float> values(n);
  for (size_t d = 0; d < dim; ++d) {
    for (size_t i = 0; i < n; ++i) values[i] = rows.row(sample[i])[d];
    std::nth_element(values.begin(), values.begin() + low_rank, values.end());
    const float low = values[low_rank];
    std::nth_element(values.begin(), values.begin() + high_rank, values.end());
    const float high = values[high_rank];
    ranges.lo[d] = low;
    // In double: the range of finite floats can exceed the float range. A
    // constant dimension decodes exactly to `low` with any step; a step too
    // small or too large for a float is clamped (finite and positive).
    const double step = (double(high) - double(low)) / 255.0;
    ranges.step[d] = step > 0 ? static_cast<float>(std::clamp(step, double(std::numeric_limits<float>::min()),
                                                              double(std::numeric_limits<float>::max())))
                              : 1.0f;
  }
  return ranges;
}

void EncodeSq8(const float* row, const Sq8Ranges& ranges, uint8_t* code) {
  for (size_t d = 0; d < ranges.lo.size(); ++d) {
    const double level = std::round((double(row[d]) - ranges.lo[d]) / ranges.step[d]);
    // !(level >= 0) also catches NaN (a damaged range read from a file).
    code[d] = !(level >= 0.0) ? 0 : level >= 255.0 ? 255 : static_cast<uint8_t>(level);
  }
}

float DecodedSquaredNorm(const uint8_t* code, const Sq8Ranges& ranges) {
  float s = 0.0f;
  for (size_t d = 0; d < ranges.lo.size(); ++d) {
    const float x = ranges.lo[d] + ranges.step[d] * static_cast<float>(code[d]);
    s += x * x;
  }
  return s;
}

}  // namespace sextant
