// The reports: <name>.csv and <name>.json, one row / object per ResultRow in
// the order measured. The columns and their order are a stable interface
// (scripts read them; bench/README.md documents them): add new ones at the
// end, never rename or reorder.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "sextant_bench/result_row.h"

namespace sextant::bench {

// What the JSON report says about the run besides the rows.
struct ReportInfo {
  std::string dataset;
  std::string metric;        // l2 | cosine | dot | manhattan
  std::string metric_source; // --metric, hdf5 attribute, gt_dist.fvecs, default
  size_t base_rows = 0;
  size_t dim = 0;
  size_t queries = 0;
  size_t k = 10;
  std::string ground_truth;  // "file" or "computed (exact)"
  size_t m = 0;              // HNSW build settings, every engine
  size_t ef_construct = 0;
  size_t build_threads = 0;
  std::string url;           // HTTP mode: the server; "" otherwise
  std::string started_at;    // UTC, ISO 8601
};

// The CSV header, in column order.
const std::vector<std::string>& ReportColumns();

// One line per row after the header; not-applicable values (NaN) are empty cells.
std::string CsvReport(const std::vector<ResultRow>& rows);
// {"tool":"sextant-bench", ...ReportInfo..., "columns":[...], "rows":[{column: value}]};
// not-applicable values are null.
std::string JsonReport(const ReportInfo& info, const std::vector<ResultRow>& rows);

// Writes `text` to `path` (replacing it). IOError on failure.
Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace sextant::bench
