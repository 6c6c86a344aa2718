// The recall-QPS chart: a gnuplot script written next to the CSV (its data
// inline, so `gnuplot <name>.gp` in that directory redraws it), run as a
// subprocess to draw <name>.png and <name>.svg. gnuplot (Debian gnuplot-nox)
// is optional: without it the script is still written and the chart skipped.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "sextant_bench/result_row.h"

namespace sextant::bench {

struct ChartOptions {
  std::string title;     // e.g. "siftsmall (10000 x 128, l2): recall@10 vs QPS, 4 clients"
  size_t k = 10;         // the x axis is "recall@k"
  std::string basename;  // output files <basename>.png / .svg, relative to the script's directory
};

// The script: one line+points series per (engine, quantization, mode), each
// point labelled with its ef / nprobe; log-scale QPS; grid; legend outside.
// Rows without a finite recall and QPS are left out.
std::string ChartScript(const std::vector<ResultRow>& rows, const ChartOptions& options);

// The gnuplot executable found on PATH; "" when there is none.
std::string FindGnuplot();

// Runs `gnuplot script_name` in `dir`. IOError when it cannot be started or
// does not exit 0 (its own messages go to stderr).
Status RunGnuplot(const std::string& gnuplot, const std::string& dir, const std::string& script_name);

}  // namespace sextant::bench
