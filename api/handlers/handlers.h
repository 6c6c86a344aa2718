// Route registration, one function per handler file.
#pragma once

#include "api/router.h"
#include "core/database.h"

namespace sextant::api {

// The Qdrant API version we are compatible with: what GET / reports as
// "version", because that is what clients check (same major, minor ±1).
inline constexpr const char* kQdrantApiVersion = "1.19.0";

void RegisterServiceRoutes(Router& router, Database& db, const std::string& sextant_version);
void RegisterCollectionRoutes(Router& router, Database& db);
void RegisterPointRoutes(Router& router, Database& db);
void RegisterSearchRoutes(Router& router, Database& db);
void RegisterPayloadRoutes(Router& router, Database& db);
void RegisterSnapshotRoutes(Router& router, Database& db);
void RegisterBulkRoutes(Router& router, Database& db);
void RegisterDriftRoutes(Router& router, Database& db);
// POST/DELETE /collections/{collection_name}/benchmark (core/search_benchmark.h).
void RegisterBenchmarkRoutes(Router& router, Database& db);
// GET /metrics (Prometheus); reads `router`'s request counters.
void RegisterMetricsRoutes(Router& router, Database& db);
// GET /openapi.json: the embedded OpenAPI document (api/openapi/openapi.json),
// its info.version set to `sextant_version`.
void RegisterOpenApiRoutes(Router& router, const std::string& sextant_version);

// All of the above.
void RegisterAllRoutes(Router& router, Database& db, const std::string& sextant_version);

}  // namespace sextant::api
