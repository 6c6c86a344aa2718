// Service endpoints: version, health probes.
#include "api/handlers/handlers.h"
#include "api/json/json_writer.h"

namespace sextant::api {

void RegisterServiceRoutes(Router& router, Database& /*db*/, const std::string& sextant_version) {
  // Not enveloped, as in Qdrant: clients read data.version directly.
  router.Add("GET", "/", [sextant_version](const HttpRequest&) {
    JsonWriter w;
    w.BeginObject().Key("title").String("sextant - vector search engine");
    w.Key("version").String(kQdrantApiVersion);
    w.Key("sextant_version").String(sextant_version).EndObject();
    return HttpResponse{200, "application/json", w.Take(), ""};
  });
  for (const char* probe : {"healthz", "livez", "readyz"}) {
    const std::string text = std::string(probe) + " check passed";
    router.AddOpen("GET", std::string("/") + probe,
               [text](const HttpRequest&) { return HttpResponse{200, "text/plain", text, ""}; });
  }
}

void RegisterAllRoutes(Router& router, Database& db, const std::string& sextant_version) {
  RegisterServiceRoutes(router, db, sextant_version);
  RegisterCollectionRoutes(router, db);
  RegisterPointRoutes(router, db);
  RegisterSearchRoutes(router, db);
  RegisterPayloadRoutes(router, db);
  RegisterSnapshotRoutes(router, db);
  RegisterBulkRoutes(router, db);
  RegisterDriftRoutes(router, db);
  RegisterBenchmarkRoutes(router, db);
  RegisterMetricsRoutes(router, db);
  RegisterOpenApiRoutes(router, sextant_version);
}

}  // namespace sextant::api
