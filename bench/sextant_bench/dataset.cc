#include "sextant_bench/dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "sextant_bench/ground_truth.h"
#include "sextant_bench/hdf5_reader.h"
#include "sextant_bench/npy_reader.h"
#include "sextant_bench/vecs_reader.h"

namespace sextant::bench {

namespace fs = std::filesystem;

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<Vectors> ReadVectorsFile(const std::string& path) {
  if (EndsWith(path, ".fvecs")) return ReadFvecs(path);
  if (EndsWith(path, ".bvecs")) return ReadBvecs(path);
  if (EndsWith(path, ".npy")) return ReadNpyVectors(path);
  return Status::InvalidArgument(path + ": unknown vector file type (expected .fvecs, .bvecs or .npy)");
}

Result<NeighborLists> ReadNeighborsFile(const std::string& path) {
  if (EndsWith(path, ".ivecs")) return ReadIvecs(path);
  if (EndsWith(path, ".npy")) return ReadNpyNeighbors(path);
  return Status::InvalidArgument(path + ": unknown ground-truth file type (expected .ivecs or .npy)");
}

// `stem` + the first of `extensions` that exists in `dir`; "" if none.
std::string FindFile(const std::string& dir, const std::string& stem, std::initializer_list<const char*> extensions) {
  for (const char* ext : extensions) {
    const fs::path p = fs::path(dir) / (stem + ext);
    if (fs::exists(p)) return p.string();
  }
  return "";
}

// gt_dist.fvecs holds distances in some unit of some metric (squared L2 in
// ../shared/data's L2 sets, 1 - cos in its cosine sets). The metric whose
// distances match the file's for the first query's nearest ids is the one.
std::optional<Metric> MetricFromGtDistances(const Dataset& d, const std::string& gt_dist_path) {
  auto dist = ReadFvecs(gt_dist_path, 1);
  if (!dist.ok() || dist->rows == 0 || d.gt.empty() || d.queries.rows == 0) return std::nullopt;
  const size_t n = std::min<size_t>({dist->dim, d.gt[0].size(), 10});
  auto matches = [&](Metric m, bool root) {
    for (size_t j = 0; j < n; ++j) {
      const int64_t id = d.gt[0][j];
      if (id < 0 || size_t(id) >= d.base.rows) return false;
      double mine = TrueDistance(m, d.queries.row(0), d.base.row(size_t(id)), d.base.dim);
      if (root) mine = std::sqrt(std::max(0.0, mine));
      const double theirs = dist->row(0)[j];
      if (std::abs(mine - theirs) > 1e-3 * std::max(1.0, std::abs(theirs))) return false;
    }
    return n > 0;
  };
  for (Metric m : {Metric::kEuclid, Metric::kCosine, Metric::kDot, Metric::kManhattan}) {
    if (matches(m, false)) return m;
  }
  if (matches(Metric::kEuclid, true)) return Metric::kEuclid;
  return std::nullopt;
}

}  // namespace

std::optional<Metric> MetricFromName(const std::string& name) {
  if (name == "l2" || name == "euclid" || name == "euclidean") return Metric::kEuclid;
  if (name == "cosine" || name == "angular") return Metric::kCosine;
  if (name == "dot" || name == "ip" || name == "inner_product") return Metric::kDot;
  if (name == "manhattan" || name == "l1") return Metric::kManhattan;
  return std::nullopt;
}

const char* ShortMetricName(Metric metric) {
  switch (metric) {
    case Metric::kEuclid: return "l2";
    case Metric::kCosine: return "cosine";
    case Metric::kDot: return "dot";
    case Metric::kManhattan: return "manhattan";
  }
  return "?";
}

Result<Dataset> LoadDataset(const DatasetOptions& options) {
  Dataset d;
  std::string base_path = options.base_file, queries_path = options.queries_file, gt_path = options.gt_file;
  std::string gt_dist_path;
  std::string hdf5_distance;
  if (!options.dataset.empty()) {
    const fs::path p(options.dataset);
    // A directory is named by its last component ("siftsmall/" too), a file by its stem.
    d.name = p.filename().empty() ? p.parent_path().filename().string() : p.stem().string();
    if (fs::is_directory(p)) {
      if (!p.filename().empty()) d.name = p.filename().string();
      if (base_path.empty()) base_path = FindFile(options.dataset, "base", {".fvecs", ".bvecs", ".npy"});
      if (queries_path.empty()) queries_path = FindFile(options.dataset, "query", {".fvecs", ".bvecs", ".npy"});
      if (gt_path.empty()) gt_path = FindFile(options.dataset, "gt", {".ivecs", ".npy"});
      gt_dist_path = FindFile(options.dataset, "gt_dist", {".fvecs"});
      if (base_path.empty() || queries_path.empty()) {
        return Status::NotFound(options.dataset + ": expected base.fvecs|.bvecs|.npy and query.fvecs|.bvecs|.npy");
      }
    } else if (EndsWith(options.dataset, ".hdf5") || EndsWith(options.dataset, ".h5")) {
      ASSIGN_OR_RETURN(AnnBenchmarksFile file, ReadAnnBenchmarksHdf5(options.dataset));
      d.base = std::move(file.train);
      d.queries = std::move(file.test);
      d.gt = std::move(file.neighbors);
      hdf5_distance = file.distance;
    } else if (!fs::exists(p)) {
      return Status::NotFound(options.dataset + ": no such file or directory");
    } else {
      return Status::InvalidArgument(options.dataset + ": expected a dataset directory or an .hdf5 file");
    }
  } else if (base_path.empty() || queries_path.empty()) {
    return Status::InvalidArgument("give --dataset, or --base and --queries");
  } else {
    d.name = fs::path(base_path).parent_path().filename().string();
    if (d.name.empty()) d.name = fs::path(base_path).stem().string();
  }
  // Explicit files override what the dataset holds.
  if (!base_path.empty()) { ASSIGN_OR_RETURN(d.base, ReadVectorsFile(base_path)); }
  if (!queries_path.empty()) { ASSIGN_OR_RETURN(d.queries, ReadVectorsFile(queries_path)); }
  if (!gt_path.empty()) { ASSIGN_OR_RETURN(d.gt, ReadNeighborsFile(gt_path)); }
  if (d.base.rows == 0 || d.queries.rows == 0 || d.base.dim == 0) {
    return Status::InvalidArgument(d.name + ": no base vectors, no queries or dimension 0");
  }
  if (d.base.dim != d.queries.dim) {
    return Status::InvalidArgument(d.name + ": base vectors have dimension " + std::to_string(d.base.dim) +
                                   ", queries " + std::to_string(d.queries.dim));
  }
  if (options.max_queries > 0 && options.max_queries < d.queries.rows) {
    d.queries.Truncate(options.max_queries);
    if (d.gt.size() > options.max_queries) d.gt.resize(options.max_queries);
  }

  if (!options.metric.empty()) {
    auto m = MetricFromName(options.metric);
    if (!m) return Status::InvalidArgument("unknown metric \"" + options.metric + "\" (l2, cosine, dot, manhattan)");
    d.metric = *m;
    d.metric_source = "--metric";
  } else if (!hdf5_distance.empty()) {
    auto m = MetricFromName(hdf5_distance);
    if (!m) return Status::InvalidArgument(options.dataset + ": distance \"" + hdf5_distance + "\" is not supported");
    d.metric = *m;
    d.metric_source = "hdf5 attribute";
  } else if (auto m = gt_dist_path.empty() ? std::nullopt : MetricFromGtDistances(d, gt_dist_path)) {
    d.metric = *m;
    d.metric_source = "gt_dist.fvecs";
  } else {
    d.metric = Metric::kEuclid;
    d.metric_source = "default";
  }
  return d;
}

}  // namespace sextant::bench
