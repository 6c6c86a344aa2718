// The `params` object of searches and queries (Qdrant's SearchParams, plus
// our IVF `ivf_nprobe`), read in one place for the search endpoints and the
// benchmark endpoint, which must accept exactly what a search accepts.
#pragma once

#include "api/json/json_reader.h"
#include "common/status.h"
#include "core/point_types.h"

namespace sextant::api {

// Reads `params` into the search fields of `options`: hnsw_ef (at most
// 65,536), exact, ivf_nprobe (or nprobe; at most 65,536) and quantization
// {ignore, rescore, oversampling (1..100)}. Absent fields leave `options` as
// it is. InvalidArgument (400) names the field that is wrong.
Status ReadSearchParams(JsonElement params, QueryOptions* options);

}  // namespace sextant::api
