// The OpenAPI 3.0 document of the HTTP API. Its source is
// api/openapi/openapi.json, written by hand; embed_openapi.cmake compiles it
// into the binary at build time, so nothing is read from disk at run time.
// tests/api/openapi_test.cc checks it against the routes the Router really has.
#pragma once

#include <string_view>

namespace sextant::api {

// What info.version says in the source; the server puts its own version there
// (GET /openapi.json, api/handlers/openapi.cc). It occurs once in the document,
// quoted, which embed_openapi.cmake checks.
inline constexpr std::string_view kOpenApiVersionPlaceholder = "@SEXTANT_VERSION@";

// The document exactly as in openapi.json (static storage, never freed).
std::string_view OpenApiDocumentSource();

}  // namespace sextant::api
