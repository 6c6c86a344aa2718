// Bitmap: a compressed set of offsets (CRoaring), for payload indexes, filter
// results and segment membership.
#pragma once

#include <roaring/roaring.hh>

namespace sextant {

using Bitmap = Roaring;

}  // namespace sextant
