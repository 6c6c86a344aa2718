// sextant-bench's dataset readers (bench/sextant_bench): tiny .fvecs, .ivecs,
// .bvecs, .npy and ann-benchmarks HDF5 files (written with the HDF5 C API, as
// h5py lays them out) read back value for value; truncated and unsupported
// files refused; recall counted by distance when ties exist.
#include <catch2/catch.hpp>
#include <hdf5.h>

#include <cstring>
#include <fstream>

#include "sextant_bench/dataset.h"
#include "sextant_bench/ground_truth.h"
#include "sextant_bench/hdf5_reader.h"
#include "sextant_bench/npy_reader.h"
#include "sextant_bench/vecs_reader.h"
#include "support/npy.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

using bench::NeighborLists;

// Per row an int32 dimension, then the row's values as T.
template <typename T>
void WriteVecs(const std::string& path, const std::vector<std::vector<T>>& rows) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& row : rows) {
    const int32_t d = int32_t(row.size());
    out.write(reinterpret_cast<const char*>(&d), sizeof(d));
    out.write(reinterpret_cast<const char*>(row.data()), std::streamsize(row.size() * sizeof(T)));
  }
}

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// train 4x3 float32, test 2x3 float64, neighbors 2x2 int32, distance "angular"
// as a variable-length string attribute (what h5py writes).
void WriteAnnBenchmarksFile(const std::string& path) {
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(file >= 0);
  auto write = [&](const char* name, hid_t file_type, hid_t memory_type, hsize_t rows, hsize_t cols,
                   const void* values) {
    const hsize_t dims[2] = {rows, cols};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t set = H5Dcreate2(file, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(set >= 0);
    REQUIRE(H5Dwrite(set, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
    H5Dclose(set);
    H5Sclose(space);
  };
  const float train[] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0};
  const double test[] = {1, 0.1, 0, 0, 0, 2};
  const int32_t neighbors[] = {0, 3, 2, 0};  // query 1: ties after row 2 go to row 0
  write("train", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 4, 3, train);
  write("test", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, 3, test);
  write("neighbors", H5T_STD_I32LE, H5T_NATIVE_INT32, 2, 2, neighbors);
  const hid_t text = H5Tcopy(H5T_C_S1);
  H5Tset_size(text, H5T_VARIABLE);
  const hid_t scalar = H5Screate(H5S_SCALAR);
  const hid_t attribute = H5Acreate2(file, "distance", text, scalar, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(attribute >= 0);
  const char* angular = "angular";
  REQUIRE(H5Awrite(attribute, text, &angular) >= 0);
  H5Aclose(attribute);
  H5Sclose(scalar);
  H5Tclose(text);
  H5Fclose(file);
}

}  // namespace

TEST_CASE("sextant-bench reads fvecs, bvecs and ivecs, and refuses truncated ones", "[bench][readers]") {
  TempDir dir;
  WriteVecs<float>(dir.Sub("base.fvecs"), {{1, 2, 3}, {4, 5, 6}, {7, 8, 9.5f}});
  WriteVecs<uint8_t>(dir.Sub("query.bvecs"), {{0, 255, 7}, {1, 2, 3}});
  WriteVecs<int32_t>(dir.Sub("gt.ivecs"), {{2, 1}, {0, 1}});

  auto base = bench::ReadFvecs(dir.Sub("base.fvecs"));
  REQUIRE(base.ok());
  CHECK(base->rows == 3);
  CHECK(base->dim == 3);
  CHECK(base->data == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9.5f});
  CHECK(bench::ReadFvecs(dir.Sub("base.fvecs"), 2)->rows == 2);
  auto bytes = bench::ReadBvecs(dir.Sub("query.bvecs"));
  REQUIRE(bytes.ok());
  CHECK(bytes->data == std::vector<float>{0, 255, 7, 1, 2, 3});
  auto gt = bench::ReadIvecs(dir.Sub("gt.ivecs"));
  REQUIRE(gt.ok());
  CHECK(*gt == NeighborLists{{2, 1}, {0, 1}});

  // A dataset directory: base.*, query.*, gt.*; l2 without gt_dist.fvecs.
  bench::DatasetOptions options;
  options.dataset = dir.path();
  auto d = bench::LoadDataset(options);
  REQUIRE(d.ok());
  CHECK(d->base.rows == 3);
  CHECK(d->queries.rows == 2);
  CHECK(d->gt.size() == 2);
  CHECK(d->metric == Metric::kEuclid);
  CHECK(d->metric_source == "default");

  // Truncated values, a dimension that changes, a file that is not there.
  {
    std::ofstream cut(dir.Sub("cut.fvecs"), std::ios::binary);
    const int32_t d3 = 3;
    const float one = 1;
    cut.write(reinterpret_cast<const char*>(&d3), 4).write(reinterpret_cast<const char*>(&one), 4);
  }
  CHECK(bench::ReadFvecs(dir.Sub("cut.fvecs")).status().code() == Status::Code::kCorruption);
  WriteVecs<float>(dir.Sub("ragged.fvecs"), {{1, 2}, {1, 2, 3}});
  CHECK(bench::ReadFvecs(dir.Sub("ragged.fvecs")).status().code() == Status::Code::kCorruption);
  CHECK(bench::ReadFvecs(dir.Sub("none.fvecs")).status().code() == Status::Code::kNotFound);
  // Queries of another dimension than the base.
  options.dataset.clear();
  options.base_file = dir.Sub("base.fvecs");
  options.queries_file = dir.Sub("ragged.fvecs");
  CHECK_FALSE(bench::LoadDataset(options).ok());
}

TEST_CASE("sextant-bench reads .npy vectors and ids and refuses other dtypes", "[bench][readers]") {
  TempDir dir;
  std::ofstream(dir.Sub("f4.npy"), std::ios::binary)
      << NpyBody("<f4", 2, 3, Bytes(std::vector<float>{1, 2, 3, 4, 5, 6.5f}));
  std::ofstream(dir.Sub("u1.npy"), std::ios::binary) << NpyBody("|u1", 1, 4, Bytes(std::vector<uint8_t>{9, 0, 255, 1}));
  std::ofstream(dir.Sub("i8.npy"), std::ios::binary) << NpyBody("<i8", 2, 2, Bytes(std::vector<int64_t>{3, 1, 0, 2}));
  std::ofstream(dir.Sub("c8.npy"), std::ios::binary) << NpyBody("<c8", 1, 1, std::string(8, '\0'));
  std::ofstream(dir.Sub("short.npy"), std::ios::binary) << NpyBody("<f4", 1000000, 1000, std::string(16, '\0'));

  auto f4 = bench::ReadNpyVectors(dir.Sub("f4.npy"));
  REQUIRE(f4.ok());
  CHECK(f4->rows == 2);
  CHECK(f4->dim == 3);
  CHECK(f4->data == std::vector<float>{1, 2, 3, 4, 5, 6.5f});
  auto u1 = bench::ReadNpyVectors(dir.Sub("u1.npy"));
  REQUIRE(u1.ok());
  CHECK(u1->data == std::vector<float>{9, 0, 255, 1});
  auto ids = bench::ReadNpyNeighbors(dir.Sub("i8.npy"));
  REQUIRE(ids.ok());
  CHECK(*ids == NeighborLists{{3, 1}, {0, 2}});
  CHECK(bench::ReadNpyVectors(dir.Sub("c8.npy")).status().code() == Status::Code::kInvalidArgument);
  CHECK(bench::ReadNpyNeighbors(dir.Sub("f4.npy")).status().code() == Status::Code::kInvalidArgument);
  // A shape the data does not hold: an error, not an allocation of 4 GB.
  CHECK(bench::ReadNpyVectors(dir.Sub("short.npy")).status().code() == Status::Code::kCorruption);
}

TEST_CASE("sextant-bench reads ann-benchmarks HDF5 files and takes their distance", "[bench][readers]") {
  TempDir dir;
  WriteAnnBenchmarksFile(dir.Sub("tiny-angular.hdf5"));
  auto file = bench::ReadAnnBenchmarksHdf5(dir.Sub("tiny-angular.hdf5"));
  REQUIRE(file.ok());
  CHECK(file->train.rows == 4);
  CHECK(file->train.dim == 3);
  CHECK(file->train.data == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0});
  CHECK(file->test.data == std::vector<float>{1, 0.1f, 0, 0, 0, 2});  // float64, converted
  CHECK(file->neighbors == NeighborLists{{0, 3}, {2, 0}});
  CHECK(file->distance == "angular");

  bench::DatasetOptions options;
  options.dataset = dir.Sub("tiny-angular.hdf5");
  auto d = bench::LoadDataset(options);
  REQUIRE(d.ok());
  CHECK(d->name == "tiny-angular");
  CHECK(d->metric == Metric::kCosine);
  CHECK(d->metric_source == "hdf5 attribute");
  // The exact neighbours agree with the file's (cosine: scale does not matter).
  CHECK(bench::ExactNeighbors(d->base, d->queries, d->metric, 2, 2) == d->gt);

  std::ofstream(dir.Sub("not.hdf5")) << "plain text";
  CHECK(bench::ReadAnnBenchmarksHdf5(dir.Sub("not.hdf5")).status().code() == Status::Code::kNotFound);
}

TEST_CASE("sextant-bench counts recall by distance, so either of two duplicates is a hit", "[bench][readers]") {
  bench::Vectors base;
  base.rows = 4;
  base.dim = 2;
  base.data = {0, 0, 1, 1, 1, 1, 5, 5};  // rows 1 and 2 are the same vector
  bench::Vectors queries;
  queries.rows = 1;
  queries.dim = 2;
  queries.data = {1, 1.2f};
  const NeighborLists gt = bench::ExactNeighbors(base, queries, Metric::kEuclid, 2, 1);
  CHECK(gt == NeighborLists{{1, 2}});  // ties go to the smaller row
  const auto kth = bench::KthDistances(base, queries, gt, Metric::kEuclid, 1);
  CHECK(bench::RecallByDistance({{2}}, base, queries, Metric::kEuclid, kth, 1) == 1.0);
  CHECK(bench::RecallByDistance({{0}}, base, queries, Metric::kEuclid, kth, 1) == 0.0);
  const auto kth2 = bench::KthDistances(base, queries, gt, Metric::kEuclid, 2);
  CHECK(bench::RecallByDistance({{2, 2}}, base, queries, Metric::kEuclid, kth2, 2) == 0.5);  // a repeat counts once
  CHECK(bench::CheckGroundTruth({{1, -1}}, 1, 4, 2).find("outside the base") != std::string::npos);
}

}  // namespace sextant::testing
