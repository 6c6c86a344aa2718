// .npy bodies for tests and benchmarks: a version 1.0 header (padded to 64
// bytes, as NumPy writes it) for a 2-d C-order array, then the raw data.
#pragma once

#include <string>

namespace sextant::testing {

inline std::string NpyBody(const std::string& descr, size_t rows, size_t dim, const std::string& data) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(dim) + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out += data;
  return out;
}

}  // namespace sextant::testing
