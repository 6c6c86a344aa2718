# Turns api/openapi/openapi.json into a .cc that holds it as one string, so the
# server serves GET /openapi.json without reading anything from disk. Run at
# build time (api/CMakeLists.txt): editing the JSON regenerates the .cc.
#
#   cmake -DINPUT=openapi.json -DOUTPUT=openapi_document.cc -P embed_openapi.cmake
#
# Fails the build when the JSON does not parse, when info.version is not the
# placeholder the server replaces, or when the text holds the raw string's
# delimiter.
cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED INPUT OR NOT DEFINED OUTPUT)
  message(FATAL_ERROR "embed_openapi.cmake: pass -DINPUT=<json> -DOUTPUT=<cc>")
endif()

file(READ "${INPUT}" document)

string(JSON openapi_version ERROR_VARIABLE json_error GET "${document}" openapi)
if(json_error)
  message(FATAL_ERROR "${INPUT}: not valid JSON or no `openapi` key: ${json_error}")
endif()
string(JSON info_version ERROR_VARIABLE json_error GET "${document}" info version)
if(json_error OR NOT info_version STREQUAL "@SEXTANT_VERSION@")
  message(FATAL_ERROR "${INPUT}: info.version must be \"@SEXTANT_VERSION@\" (the server fills in its version)")
endif()
# The server replaces the quoted placeholder once: it must occur once.
string(FIND "${document}" "\"@SEXTANT_VERSION@\"" first)
string(FIND "${document}" "\"@SEXTANT_VERSION@\"" last REVERSE)
if(NOT first EQUAL last)
  message(FATAL_ERROR "${INPUT}: \"@SEXTANT_VERSION@\" must occur once, as info.version")
endif()

set(delimiter "sextant_openapi")
string(FIND "${document}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT}: holds `)${delimiter}\"`, the raw string's end")
endif()

# Written through a temporary file and copied only when it changed, so an
# unchanged document does not recompile.
file(WRITE "${OUTPUT}.tmp"
"// Generated from api/openapi/openapi.json by api/openapi/embed_openapi.cmake. Do not edit.
#include \"api/openapi/openapi_document.h\"

namespace sextant::api {

std::string_view OpenApiDocumentSource() {
  static constexpr char kDocument[] = R\"${delimiter}(${document})${delimiter}\";
  return std::string_view(kDocument, sizeof(kDocument) - 1);
}

}  // namespace sextant::api
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
