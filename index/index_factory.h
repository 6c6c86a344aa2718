// MakeIndex: the only way callers above index/ create an index. Adding an index
// type touches this factory and nothing above it.
#pragma once

#include <memory>

#include "index/index.h"

namespace sextant {

// An empty index of `spec.kind` for vectors of `dim` floats, sized for
// `capacity` vectors (it may grow beyond, at a cost).
Result<std::unique_ptr<Index>> MakeIndex(const IndexSpec& spec, size_t dim, Metric metric,
                                         size_t capacity);

// Reads an index that Index::Save() wrote, built with the same spec, dim and
// metric. Validates what it reads (a file can pass its checksum and still be
// wrong, e.g. written by a bug): Corruption on anything inconsistent, never a
// crash or an index that could crash a search.
Result<std::unique_ptr<Index>> LoadIndex(const IndexSpec& spec, size_t dim, Metric metric,
                                         ByteReader& in);

}  // namespace sextant
