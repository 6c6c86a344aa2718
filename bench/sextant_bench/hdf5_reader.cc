#include "sextant_bench/hdf5_reader.h"

#include <hdf5.h>

#include <memory>

namespace sextant::bench {

namespace {

// Closes an HDF5 handle at scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Rows and columns of a 2-d dataset; InvalidArgument otherwise.
Result<std::pair<size_t, size_t>> Shape2d(hid_t dataset, const std::string& name) {
  Handle space(H5Dget_space(dataset), H5Sclose);
  if (!space.ok() || H5Sget_simple_extent_ndims(space.get()) != 2) {
    return Status::InvalidArgument("dataset \"" + name + "\" is not a 2-d array");
  }
  hsize_t dims[2];
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  return std::make_pair(size_t(dims[0]), size_t(dims[1]));
}

template <typename T>
Result<std::vector<T>> ReadAll(hid_t file, const std::string& name, hid_t mem_type, size_t* rows, size_t* cols) {
  Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.ok()) return Status::NotFound("no dataset \"" + name + "\"");
  ASSIGN_OR_RETURN(auto shape, Shape2d(dataset.get(), name));
  *rows = shape.first;
  *cols = shape.second;
  std::vector<T> data(shape.first * shape.second);
  if (H5Dread(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0) {
    return Status::Corruption("cannot read dataset \"" + name + "\"");
  }
  return data;
}

Result<Vectors> ReadVectors(hid_t file, const std::string& name) {
  Vectors v;
  ASSIGN_OR_RETURN(v.data, ReadAll<float>(file, name, H5T_NATIVE_FLOAT, &v.rows, &v.dim));
  return v;
}

// h5py writes string attributes as variable-length strings; other writers use
// fixed-length ones. Both are read.
std::string ReadStringAttribute(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return "";
  Handle attr(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!attr.ok() || !type.ok() || H5Tget_class(type.get()) != H5T_STRING) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    char* value = nullptr;
    if (H5Aread(attr.get(), mem.get(), &value) < 0 || value == nullptr) return "";
    std::string out(value);
    H5free_memory(value);
    return out;
  }
  std::string out(H5Tget_size(type.get()), '\0');
  if (H5Aread(attr.get(), type.get(), out.data()) < 0) return "";
  out.resize(out.find('\0') == std::string::npos ? out.size() : out.find('\0'));
  return out;
}

}  // namespace

Result<AnnBenchmarksFile> ReadAnnBenchmarksHdf5(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors come back as a Status, not on stderr
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) return Status::NotFound("cannot open " + path + " as HDF5");
  AnnBenchmarksFile out;
  auto train = ReadVectors(file.get(), "train");
  if (!train.ok()) return train.status().WithContext(path);
  out.train = std::move(*train);
  auto test = ReadVectors(file.get(), "test");
  if (!test.ok()) return test.status().WithContext(path);
  out.test = std::move(*test);
  if (out.train.dim != out.test.dim) {
    return Status::InvalidArgument(path + ": \"train\" has dimension " + std::to_string(out.train.dim) +
                                   ", \"test\" " + std::to_string(out.test.dim));
  }
  if (H5Lexists(file.get(), "neighbors", H5P_DEFAULT) > 0) {
    size_t rows = 0, cols = 0;
    auto flat = ReadAll<int64_t>(file.get(), "neighbors", H5T_NATIVE_INT64, &rows, &cols);
    if (!flat.ok()) return flat.status().WithContext(path);
    out.neighbors.resize(rows);
    for (size_t r = 0; r < rows; ++r) out.neighbors[r].assign(flat->begin() + r * cols, flat->begin() + (r + 1) * cols);
  }
  out.distance = ReadStringAttribute(file.get(), "distance");
  return out;
}

}  // namespace sextant::bench
