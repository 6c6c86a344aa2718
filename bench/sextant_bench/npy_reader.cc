#include "sextant_bench/npy_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>

namespace sextant::bench {

namespace {

struct NpyHeader {
  std::string descr;  // e.g. "<f4"
  size_t rows = 0;
  size_t cols = 0;
  size_t data_offset = 0;
};

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (10, 3), }
Result<NpyHeader> ReadHeader(std::ifstream& in, const std::string& path) {
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    return Status::InvalidArgument(path + ": not a .npy file (bad magic)");
  }
  const int major = static_cast<unsigned char>(magic[6]);
  size_t header_len = 0;
  size_t prefix = 0;
  if (major == 1) {
    unsigned char len[2];
    if (!in.read(reinterpret_cast<char*>(len), 2)) return Status::Corruption(path + ": truncated header");
    header_len = len[0] | (size_t(len[1]) << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    unsigned char len[4];
    if (!in.read(reinterpret_cast<char*>(len), 4)) return Status::Corruption(path + ": truncated header");
    header_len = len[0] | (size_t(len[1]) << 8) | (size_t(len[2]) << 16) | (size_t(len[3]) << 24);
    prefix = 12;
  } else {
    return Status::InvalidArgument(path + ": unsupported .npy version " + std::to_string(major));
  }
  std::string dict(header_len, '\0');
  if (!in.read(dict.data(), std::streamsize(header_len))) return Status::Corruption(path + ": truncated header");

  NpyHeader h;
  h.data_offset = prefix + header_len;
  std::smatch m;
  if (!std::regex_search(dict, m, std::regex(R"('descr'\s*:\s*'([^']+)')"))) {
    return Status::InvalidArgument(path + ": header has no descr");
  }
  h.descr = m[1];
  if (std::regex_search(dict, m, std::regex(R"('fortran_order'\s*:\s*True)"))) {
    return Status::InvalidArgument(path + ": Fortran-order arrays are not supported (save with C order)");
  }
  if (!std::regex_search(dict, m, std::regex(R"('shape'\s*:\s*\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\))"))) {
    return Status::InvalidArgument(path + ": only 2-d arrays (rows, dim) are supported");
  }
  h.rows = std::stoull(m[1]);
  h.cols = std::stoull(m[2]);
  return h;
}

// Reads the data of `rows` x h.cols items and converts each to Out.
template <typename In, typename Out>
Status ReadData(std::ifstream& in, const NpyHeader& h, size_t rows, const std::string& path, std::vector<Out>* out) {
  // Check the shape against the file before allocating (a bad header must
  // give an error, not an allocation failure).
  const auto here = in.tellg();
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(here);
  if (h.cols != 0 && (size - here) / std::streamoff(sizeof(In)) / std::streamoff(h.cols) < std::streamoff(rows)) {
    return Status::Corruption(path + ": data shorter than the shape " + std::to_string(h.rows) + " x " +
                              std::to_string(h.cols));
  }
  std::vector<In> raw(rows * h.cols);
  if (!in.read(reinterpret_cast<char*>(raw.data()), std::streamsize(raw.size() * sizeof(In)))) {
    return Status::Corruption(path + ": data shorter than the shape " + std::to_string(h.rows) + " x " +
                              std::to_string(h.cols));
  }
  out->assign(raw.begin(), raw.end());
  return Status::OK();
}

Result<NpyHeader> Open(std::ifstream& in, const std::string& path) {
  if (!in) return Status::NotFound("cannot open " + path + ": " + std::strerror(errno));
  ASSIGN_OR_RETURN(NpyHeader h, ReadHeader(in, path));
  if (h.descr.size() < 3 || (h.descr[0] != '<' && h.descr[0] != '|')) {
    return Status::InvalidArgument(path + ": dtype " + h.descr + " is not little-endian");
  }
  return h;
}

}  // namespace

Result<Vectors> ReadNpyVectors(const std::string& path, size_t max_rows) {
  std::ifstream in(path, std::ios::binary);
  ASSIGN_OR_RETURN(NpyHeader h, Open(in, path));
  Vectors v;
  v.rows = std::min(h.rows, max_rows);
  v.dim = h.cols;
  const std::string type = h.descr.substr(1);
  Status s;
  if (type == "f4") {
    s = ReadData<float>(in, h, v.rows, path, &v.data);
  } else if (type == "f8") {
    s = ReadData<double>(in, h, v.rows, path, &v.data);
  } else if (type == "u1") {
    s = ReadData<uint8_t>(in, h, v.rows, path, &v.data);
  } else if (type == "i1") {
    s = ReadData<int8_t>(in, h, v.rows, path, &v.data);
  } else if (type == "i4") {
    s = ReadData<int32_t>(in, h, v.rows, path, &v.data);
  } else if (type == "i8") {
    s = ReadData<int64_t>(in, h, v.rows, path, &v.data);
  } else {
    return Status::InvalidArgument(path + ": unsupported dtype " + h.descr +
                                   " (expected <f4, <f8, |u1, |i1, <i4 or <i8)");
  }
  RETURN_IF_ERROR(s);
  return v;
}

Result<NeighborLists> ReadNpyNeighbors(const std::string& path, size_t max_rows) {
  std::ifstream in(path, std::ios::binary);
  ASSIGN_OR_RETURN(NpyHeader h, Open(in, path));
  const size_t rows = std::min(h.rows, max_rows);
  const std::string type = h.descr.substr(1);
  std::vector<int64_t> flat;
  Status s;
  if (type == "i4") {
    s = ReadData<int32_t>(in, h, rows, path, &flat);
  } else if (type == "i8") {
    s = ReadData<int64_t>(in, h, rows, path, &flat);
  } else if (type == "u4") {
    s = ReadData<uint32_t>(in, h, rows, path, &flat);
  } else if (type == "u8") {
    s = ReadData<uint64_t>(in, h, rows, path, &flat);
  } else {
    return Status::InvalidArgument(path + ": ground truth must be an integer array, not " + h.descr);
  }
  RETURN_IF_ERROR(s);
  NeighborLists lists(rows);
  for (size_t r = 0; r < rows; ++r) lists[r].assign(flat.begin() + r * h.cols, flat.begin() + (r + 1) * h.cols);
  return lists;
}

}  // namespace sextant::bench
