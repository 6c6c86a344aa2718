// GET /openapi.json checked against the routes the Router really has: the
// document is written by hand (api/openapi/openapi.json), so these tests are
// what keeps it from drifting away from the code.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "api/handlers/handlers.h"
#include "api/router.h"
#include "support/temp_dir.h"

namespace sextant::api {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

const std::set<std::string> kHttpMethods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};

struct Served {
  testing::TempDir dir;
  std::unique_ptr<Database> db;
  Router router;
  HttpResponse response;
  simdjson::dom::parser parser;
  element doc;
  Served() {
    DatabaseOptions options;
    options.data_dir = dir.path();
    db = std::move(Database::Open(options)).value();
    RegisterAllRoutes(router, *db, "9.8.7-test");
    HttpRequest request;
    request.method = "GET";
    request.path = "/openapi.json";
    response = router.Dispatch(request);
    doc = parser.parse(response.body);  // throws (fails the test) when it does not parse
  }
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Str(element e) { return std::string(std::string_view(e.get_string().value())); }
// By value: ranging over `x.get_array().value()` would hold a reference into a
// temporary. Throw (failing the test) when `e` is not an array / object.
simdjson::dom::array Array(element e) { return e.get_array().value(); }
object Object(element e) { return e.get_object().value(); }

// RFC 6901: "~1" is "/", "~0" is "~".
std::string UnescapePointerToken(const std::string& token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out.push_back(token[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      out.push_back(token[i]);
    }
  }
  return out;
}

// The element a local "$ref" ("#/components/schemas/X") points at, or an error.
simdjson::simdjson_result<element> Resolve(element doc, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) return simdjson::INVALID_JSON_POINTER;
  element at = doc;
  size_t pos = 2;
  while (pos <= ref.size()) {
    const size_t end = std::min(ref.find('/', pos), ref.size());
    const std::string key = UnescapePointerToken(ref.substr(pos, end - pos));
    object o;
    if (at.get_object().get(o) != simdjson::SUCCESS) return simdjson::NO_SUCH_FIELD;
    if (o.at_key(key).get(at) != simdjson::SUCCESS) return simdjson::NO_SUCH_FIELD;
    pos = end + 1;
  }
  return at;
}

// An object that may be a {"$ref": …} to the real one (parameters).
element Deref(element doc, element e) {
  object o;
  if (e.get_object().get(o) == simdjson::SUCCESS) {
    std::string_view ref;
    if (o["$ref"].get_string().get(ref) == simdjson::SUCCESS) return Resolve(doc, std::string(ref)).value();
  }
  return e;
}

// Every "$ref" string anywhere below `e`.
void CollectRefs(element e, std::vector<std::string>* refs) {
  if (e.is_array()) {
    for (element x : Array(e)) CollectRefs(x, refs);
    return;
  }
  if (!e.is_object()) return;
  for (auto [key, value] : Object(e)) {
    if (key == "$ref" && value.is_string()) refs->push_back(Str(value));
    CollectRefs(value, refs);
  }
}

// The `{name}` captures of a path pattern.
std::set<std::string> PathCaptures(const std::string& pattern) {
  std::set<std::string> out;
  for (const std::string& segment : SplitPath(pattern)) {
    if (segment.size() >= 2 && segment.front() == '{' && segment.back() == '}') {
      out.insert(segment.substr(1, segment.size() - 2));
    }
  }
  return out;
}

// Every (lowercase method, path) operation of the document, with its object.
std::vector<std::tuple<std::string, std::string, element>> Operations(element doc) {
  std::vector<std::tuple<std::string, std::string, element>> out;
  for (auto [path, item] : Object(doc["paths"])) {
    for (auto [method, operation] : Object(item)) {
      if (kHttpMethods.count(std::string(method)) != 0) out.emplace_back(std::string(method), std::string(path), operation);
    }
  }
  return out;
}

// A concrete path for a pattern: every capture replaced by `value`.
std::string Instantiate(const std::string& pattern, const std::string& value) {
  std::string out;
  for (const std::string& segment : SplitPath(pattern)) {
    out += "/";
    out += (segment.size() >= 2 && segment.front() == '{') ? value : segment;
  }
  return out.empty() ? "/" : out;
}

}  // namespace

TEST_CASE("GET /openapi.json serves an OpenAPI 3 document with the server's version", "[api][openapi]") {
  Served s;
  REQUIRE(s.response.status == 200);
  CHECK(s.response.content_type == "application/json");
  CHECK(Str(s.doc["openapi"]).rfind("3.", 0) == 0);
  CHECK(Str(s.doc["info"]["title"]) == "Sextant");
  CHECK(Str(s.doc["info"]["version"]) == "9.8.7-test");
}

TEST_CASE("The OpenAPI document lists exactly the routes the Router has", "[api][openapi]") {
  Served s;
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& [method, pattern] : s.router.Routes()) routed.emplace(Lower(method), pattern);
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [method, path, operation] : Operations(s.doc)) documented.emplace(method, path);

  for (const auto& [method, pattern] : routed) {
    INFO("routed but not documented: " << method << " " << pattern);
    CHECK(documented.count({method, pattern}) == 1);
  }
  for (const auto& [method, path] : documented) {
    INFO("documented but not routed: " << method << " " << path);
    CHECK(routed.count({method, path}) == 1);
  }
  CHECK(routed.size() == s.router.Routes().size());  // no route registered twice
}

TEST_CASE("Every path capture of the OpenAPI document has its required path parameter", "[api][openapi]") {
  Served s;
  for (const auto& [method, path, operation] : Operations(s.doc)) {
    // Path-level parameters apply to every operation of the path.
    std::vector<element> parameters;
    for (auto list : {s.doc["paths"][path]["parameters"], operation["parameters"]}) {
      simdjson::dom::array a;
      if (list.get_array().get(a) != simdjson::SUCCESS) continue;
      for (element p : a) parameters.push_back(Deref(s.doc, p));
    }
    std::set<std::string> declared;
    for (element p : parameters) {
      if (Str(p["in"]) != "path") continue;
      INFO(method << " " << path << ": path parameter " << Str(p["name"]));
      bool required = false;
      CHECK(p["required"].get_bool().get(required) == simdjson::SUCCESS);
      CHECK(required);
      CHECK(declared.insert(Str(p["name"])).second);  // declared once
    }
    INFO(method << " " << path);
    CHECK(declared == PathCaptures(path));
  }
}

TEST_CASE("Every $ref of the OpenAPI document resolves", "[api][openapi]") {
  Served s;
  std::vector<std::string> refs;
  CollectRefs(s.doc, &refs);
  REQUIRE(refs.size() > 100);
  for (const std::string& ref : refs) {
    INFO("$ref " << ref);
    CHECK(ref.rfind("#/components/", 0) == 0);
    CHECK(Resolve(s.doc, ref).error() == simdjson::SUCCESS);
  }
}

TEST_CASE("Every operation has a unique operationId, a summary, a declared tag and a 200", "[api][openapi]") {
  Served s;
  std::set<std::string> tags;
  for (element t : Array(s.doc["tags"])) tags.insert(Str(t["name"]));
  std::set<std::string> ids;
  for (const auto& [method, path, operation] : Operations(s.doc)) {
    INFO(method << " " << path);
    std::string_view id;
    REQUIRE(operation["operationId"].get_string().get(id) == simdjson::SUCCESS);
    CHECK(ids.insert(std::string(id)).second);
    CHECK(operation["summary"].is_string());
    for (element t : Array(operation["tags"])) CHECK(tags.count(Str(t)) == 1);
    CHECK(operation["responses"]["200"].is_object());
  }
}

TEST_CASE("Exactly the routes answered without an API key have `security: []`", "[api][openapi]") {
  Served s;
  s.router.SetApiKeys(ApiKeys{"read-write-key", ""});
  for (const auto& [method, path, operation] : Operations(s.doc)) {
    simdjson::dom::array security;
    const bool documented_open =
        operation["security"].get_array().get(security) == simdjson::SUCCESS && security.size() == 0;
    // The key check comes before any handler: a request without a key only
    // reaches the handlers of open routes (the health probes, harmless).
    HttpRequest request;
    request.method = method;
    for (char& c : request.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    request.path = Instantiate(path, "x");
    const bool open = s.router.Dispatch(request).status != 401;
    INFO(method << " " << path);
    CHECK(documented_open == open);
  }
}

}  // namespace sextant::api
