// Reader for NumPy .npy files (format versions 1.0, 2.0 and 3.0) holding a 2-d
// C-order array, which is what numpy.save writes for a (rows, dim) array.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "sextant_bench/vectors.h"

namespace sextant::bench {

// Vectors from an array of '<f4', '<f8', '|u1', '|i1', '<i4' or '<i8' values,
// converted to float32. At most `max_rows` rows. InvalidArgument for another
// dtype, Fortran order or a shape that is not 2-d; Corruption when the data is
// shorter than the shape says.
Result<Vectors> ReadNpyVectors(const std::string& path, size_t max_rows = SIZE_MAX);

// Neighbour ids (ground truth) from an integer array ('<i4', '<i8', '<u4',
// '<u8'), one row per query.
Result<NeighborLists> ReadNpyNeighbors(const std::string& path, size_t max_rows = SIZE_MAX);

}  // namespace sextant::bench
