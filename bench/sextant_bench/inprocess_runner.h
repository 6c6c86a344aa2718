// The in-process sweep: builds each engine x quantization on the dataset (one
// at a time, freed before the next), then runs the queries at every ef or
// nprobe from `load.clients` threads.
#pragma once

#include <vector>

#include "common/status.h"
#include "sextant_bench/sweep.h"

namespace sextant::bench {

// One row per (engine, quantization, parameter value); build_s is the build
// time, memory_mb what the index holds. Combinations an engine does not have
// (hnswlib with sq8) are skipped with a note on stderr. Errors: a failed build
// or search.
Result<std::vector<ResultRow>> RunInProcess(const SweepData& data, const SweepOptions& options, const RowSink& sink);

}  // namespace sextant::bench
