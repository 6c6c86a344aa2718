// GET /openapi.json: the OpenAPI 3.0 document of every route (a Sextant
// extension, not among Qdrant's routes). Kept behind the API key like every
// other GET: without a key a client learns nothing, not even which paths
// exist (router.cc).
#include <string>

#include "api/handlers/handlers.h"
#include "api/json/json_writer.h"
#include "api/openapi/openapi_document.h"
#include "common/check.h"

namespace sextant::api {

namespace {

// The embedded document with info.version set to `version`.
std::string OpenApiDocument(const std::string& version) {
  std::string doc(OpenApiDocumentSource());
  const std::string placeholder = std::string("\"") + std::string(kOpenApiVersionPlaceholder) + "\"";
  const size_t at = doc.find(placeholder);
  SEXTANT_DCHECK(at != std::string::npos, "openapi.json has no info.version placeholder");
  if (at != std::string::npos) {
    JsonWriter w;
    w.String(version);
    doc.replace(at, placeholder.size(), w.Take());
  }
  return doc;
}

}  // namespace

void RegisterOpenApiRoutes(Router& router, const std::string& sextant_version) {
  // Built once: the document does not change while the server runs.
  router.Add("GET", "/openapi.json", [doc = OpenApiDocument(sextant_version)](const HttpRequest&) {
    return HttpResponse{200, "application/json", doc, ""};
  });
}

}  // namespace sextant::api
