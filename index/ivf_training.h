// The parts of IVF that FAISS does for us: k-means for the coarse centroids,
// batch assignment of rows to centroids, and product-quantizer codebooks and
// encoding. All of them run while an index is built, never in a search (the
// searches scan the lists with our own kernels, ivf_index.cc). This file and
// ivf_training.cc are the only ones that include FAISS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/status.h"
#include "common/types.h"

namespace sextant {

// `nlist` k-means centroids of `rows` (nlist x dim floats, row-major), 10
// iterations as FAISS's IVF training does, rows assigned by largest inner
// product when `inner_product` (Cosine, Dot) else by L2. `spherical`
// normalises the centroids after each iteration (Cosine). FAISS samples at
// most 256 rows per centroid. REQUIRES: rows.rows() >= nlist.
Result<std::vector<float>> TrainCentroids(MatrixView rows, size_t nlist, bool spherical, bool inner_product,
                                          uint64_t seed, size_t threads);

// The index of the nearest centroid of every row: largest inner product when
// `inner_product`, else smallest L2 distance. Blocked matrix products (BLAS).
Result<std::vector<uint32_t>> AssignToCentroids(MatrixView rows, const std::vector<float>& centroids, size_t nlist,
                                        bool inner_product, size_t threads);

// Product-quantizer codebooks for `m` sub-vectors of dim/m floats with 256
// centroids each: m x 256 x (dim/m) floats. REQUIRES: dim % m == 0.
Result<std::vector<float>> TrainPqCodebooks(MatrixView rows, size_t m, uint64_t seed, size_t threads);

// One byte per sub-vector: the nearest codebook entry. Appends rows() x m
// bytes to *codes.
Status EncodePq(MatrixView rows, size_t m, const std::vector<float>& codebooks, std::vector<uint8_t>* codes);

}  // namespace sextant
