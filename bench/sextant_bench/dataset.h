// A benchmark dataset from any of the layouts sextant-bench reads, with its
// metric resolved. See bench/README.md ("sextant-bench") for the layouts.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "common/types.h"
#include "sextant_bench/vectors.h"

namespace sextant::bench {

struct DatasetOptions {
  // A directory in the ../shared/data layout (base, query and optional gt
  // files: base.fvecs|.bvecs|.npy, query.*, gt.ivecs|.npy, gt_dist.fvecs), or an
  // ann-benchmarks .hdf5 file. Empty: the explicit files below.
  std::string dataset;
  std::string base_file;     // .fvecs | .bvecs | .npy; overrides the dataset's
  std::string queries_file;  // same formats
  std::string gt_file;       // .ivecs | .npy (integer ids); optional
  // l2 | cosine | dot | manhattan (aliases: euclid(ean), angular, ip, l1).
  // Empty: the .hdf5 "distance" attribute, else the metric that reproduces
  // gt_dist.fvecs, else l2.
  std::string metric;
  size_t max_queries = 0;  // keep the first N queries; 0 = all
};

struct Dataset {
  std::string name;  // directory or file name without extension
  Vectors base;
  Vectors queries;
  NeighborLists gt;  // ids of the true nearest per query; empty if the dataset has none
  Metric metric = Metric::kEuclid;
  std::string metric_source;  // how the metric was chosen, for the report
};

// Metric from a command-line or ann-benchmarks name; nullopt if unknown.
std::optional<Metric> MetricFromName(const std::string& name);
// The short name the tool reports: l2, cosine, dot, manhattan.
const char* ShortMetricName(Metric metric);

// NotFound for missing files, InvalidArgument for unknown formats, metrics,
// or dimensions that differ between base and queries.
Result<Dataset> LoadDataset(const DatasetOptions& options);

}  // namespace sextant::bench
