// One sextant-bench run, once the command line is parsed and checked: load the
// dataset and its ground truth (computed when missing), sweep in process and
// over HTTP, write <name>.csv / .json / .gp and draw the chart.
#pragma once

#include <string>

#include "sextant_bench/dataset.h"
#include "sextant_bench/http_runner.h"
#include "sextant_bench/sweep.h"

namespace sextant::bench {

struct BenchConfig {
  DatasetOptions dataset;
  bool exact_gt = false;   // compute the ground truth even when the dataset has one
  SweepOptions sweep;      // sweep.engines: the in-process engines (may be empty)
  bool http = false;       // also sweep over HTTP (http_options.url set)
  HttpOptions http_options;
  std::string out_dir = ".";
  std::string name;        // report file names; "" = the dataset's name
  bool chart = true;       // draw the PNG / SVG (when gnuplot is installed)
};

// Progress on stderr, the files written on stdout. Returns the process exit
// code: 0, or 1 with the reason on stderr when the run failed (rows measured
// before the failure are still written).
int RunBench(const BenchConfig& config);

}  // namespace sextant::bench
