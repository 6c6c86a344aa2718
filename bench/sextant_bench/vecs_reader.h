// Readers for the TEXMEX formats (corpus-texmex.irisa.fr): per row an int32
// dimension d, then d values: float32 (.fvecs), uint8 (.bvecs) or int32
// (.ivecs). Every row must have the same d; a truncated file is an error, not
// a shorter matrix.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "sextant_bench/vectors.h"

namespace sextant::bench {

// At most `max_rows` rows. NotFound when the file cannot be opened,
// Corruption when a row is truncated or its dimension differs.
Result<Vectors> ReadFvecs(const std::string& path, size_t max_rows = SIZE_MAX);
Result<Vectors> ReadBvecs(const std::string& path, size_t max_rows = SIZE_MAX);
Result<NeighborLists> ReadIvecs(const std::string& path, size_t max_rows = SIZE_MAX);

}  // namespace sextant::bench
