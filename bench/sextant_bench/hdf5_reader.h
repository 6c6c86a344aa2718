// Reader for ann-benchmarks datasets (github.com/erikbern/ann-benchmarks): one
// HDF5 file with the datasets "train" (base vectors), "test" (queries),
// "neighbors" (ids of the true nearest, per query) and "distances", and the
// file attribute "distance" ("euclidean", "angular", "dot", ...).
// The only file of sextant-bench that includes HDF5.
#pragma once

#include <string>

#include "common/status.h"
#include "sextant_bench/vectors.h"

namespace sextant::bench {

struct AnnBenchmarksFile {
  Vectors train;
  Vectors test;
  NeighborLists neighbors;  // empty when the file has none
  std::string distance;     // the "distance" attribute; "" when absent
};

// Reads every part; values are converted to float32 / int64 by HDF5 whatever
// their stored type. NotFound when the file cannot be opened; InvalidArgument
// when "train" or "test" is missing or not 2-d.
Result<AnnBenchmarksFile> ReadAnnBenchmarksHdf5(const std::string& path);

}  // namespace sextant::bench
