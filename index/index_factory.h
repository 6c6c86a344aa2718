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

}  // namespace sextant
