#include "sextant_bench/vecs_reader.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sextant::bench {

namespace {

// Calls on_row(values, d) for each row of T; checks that d never changes.
template <typename T, typename OnRow>
Status ReadRows(const std::string& path, size_t max_rows, OnRow on_row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path + ": " + std::strerror(errno));
  std::vector<T> row;
  int32_t first_dim = -1;
  for (size_t r = 0; r < max_rows; ++r) {
    int32_t d = 0;
    if (!in.read(reinterpret_cast<char*>(&d), sizeof(d))) {
      if (in.gcount() == 0) break;  // clean end of file
      return Status::Corruption(path + ": row " + std::to_string(r) + ": truncated dimension");
    }
    if (d <= 0 || d > (1 << 20)) {
      return Status::Corruption(path + ": row " + std::to_string(r) + ": bad dimension " + std::to_string(d));
    }
    if (first_dim < 0) first_dim = d;
    if (d != first_dim) {
      return Status::Corruption(path + ": row " + std::to_string(r) + " has dimension " + std::to_string(d) +
                                ", row 0 has " + std::to_string(first_dim));
    }
    row.resize(d);
    if (!in.read(reinterpret_cast<char*>(row.data()), std::streamsize(d * sizeof(T)))) {
      return Status::Corruption(path + ": row " + std::to_string(r) + ": truncated values");
    }
    on_row(row, size_t(d));
  }
  return Status::OK();
}

template <typename T>
Result<Vectors> ReadAsFloats(const std::string& path, size_t max_rows) {
  Vectors v;
  RETURN_IF_ERROR(ReadRows<T>(path, max_rows, [&](const std::vector<T>& row, size_t d) {
    v.dim = d;
    ++v.rows;
    v.data.insert(v.data.end(), row.begin(), row.end());
  }));
  return v;
}

}  // namespace

Result<Vectors> ReadFvecs(const std::string& path, size_t max_rows) { return ReadAsFloats<float>(path, max_rows); }

Result<Vectors> ReadBvecs(const std::string& path, size_t max_rows) { return ReadAsFloats<uint8_t>(path, max_rows); }

Result<NeighborLists> ReadIvecs(const std::string& path, size_t max_rows) {
  NeighborLists lists;
  RETURN_IF_ERROR(ReadRows<int32_t>(path, max_rows, [&](const std::vector<int32_t>& row, size_t) {
    lists.emplace_back(row.begin(), row.end());
  }));
  return lists;
}

}  // namespace sextant::bench
