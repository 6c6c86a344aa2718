// Snapshot endpoints (Qdrant's): collection snapshots create / list /
// download / delete / recover from a file:// location / recover from an
// upload, and full-storage snapshots create / list / download / delete.
//
// Creating always completes before the answer (`wait=false` is accepted and
// waits too): a snapshot that a client was told about exists.
#include <cstdio>
#include <ctime>
#include <fstream>

#include "api/body/multipart_reader.h"
#include "api/http_text.h"
#include "api/error_mapping.h"
#include "api/handlers/handler_util.h"
#include "api/handlers/handlers.h"

namespace sextant::api {

namespace {

constexpr const char* kFileScheme = "file://";

void WriteSnapshotDescription(JsonWriter& w, const SnapshotDescription& d) {
  std::tm tm{};
  const std::time_t t = d.creation_time;
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
  w.BeginObject();
  w.Key("name").String(d.name);
  w.Key("creation_time").String(text);
  w.Key("size").Uint(d.size);
  w.Key("checksum").String(d.checksum);
  w.EndObject();
}

std::string DescriptionJson(const SnapshotDescription& d) {
  JsonWriter w;
  WriteSnapshotDescription(w, d);
  return w.Take();
}

std::string ListJson(const std::vector<SnapshotDescription>& list) {
  JsonWriter w;
  w.BeginArray();
  for (const auto& d : list) WriteSnapshotDescription(w, d);
  w.EndArray();
  return w.Take();
}

HttpResponse Download(const Result<std::string>& path) {
  if (!path.ok()) return ErrorResponse(path.status());
  HttpResponse response;
  response.content_type = "application/octet-stream";
  response.file_path = *path;
  return response;
}

Result<std::optional<std::string>> ReadChecksum(std::optional<JsonElement> e) {
  if (!e) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::string_view text, ReadString(*e, "checksum"));
  return std::optional<std::string>(std::string(text));
}

// Streams the multipart part named "snapshot" into `path`.
Status ReceiveUpload(const HttpRequest& request, const std::string& path) {
  ASSIGN_OR_RETURN(std::string boundary, MultipartReader::BoundaryOf(request.content_type));
  MultipartReader parts(*request.body_reader, boundary);
  bool received = false;
  while (true) {
    ASSIGN_OR_RETURN(auto part, parts.NextPart());
    if (!part) break;
    if (part->name != "snapshot" || received) continue;
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr) return Status::IOError("cannot create " + path);
    std::vector<char> buffer(1 << 20);
    Status status;
    while (status.ok()) {
      auto n = parts.Read(buffer.data(), buffer.size());
      if (!n.ok()) {
        status = n.status();
        break;
      }
      if (*n == 0) break;
      if (std::fwrite(buffer.data(), 1, *n, out) != *n) status = Status::IOError("cannot write " + path);
    }
    if (std::fclose(out) != 0 && status.ok()) status = Status::IOError("cannot write " + path);
    RETURN_IF_ERROR(status);
    received = true;
  }
  if (!received) return Status::InvalidArgument("Bad request: the multipart body has no part named `snapshot`");
  return Status::OK();
}

}  // namespace

void RegisterSnapshotRoutes(Router& router, Database& db) {
  router.AddWrite("POST", "/collections/{collection_name}/snapshots",
                  JsonHandler([&db](const HttpRequest& r) -> Result<std::string> {
                    RETURN_IF_ERROR(ReadWaitParam(r).status());
                    ASSIGN_OR_RETURN(auto d, db.CreateSnapshot(r.PathParam("collection_name")));
                    return DescriptionJson(d);
                  }));
  router.Add("GET", "/collections/{collection_name}/snapshots", JsonHandler([&db](const HttpRequest& r) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto list, db.ListSnapshots(r.PathParam("collection_name")));
               return ListJson(list);
             }));
  router.Add("GET", "/collections/{collection_name}/snapshots/{snapshot_name}", [&db](const HttpRequest& r) {
    return Download(db.SnapshotPath(r.PathParam("collection_name"), r.PathParam("snapshot_name")));
  });
  router.AddWrite("DELETE", "/collections/{collection_name}/snapshots/{snapshot_name}",
                  JsonHandler([&db](const HttpRequest& r) -> Result<std::string> {
                    RETURN_IF_ERROR(ReadWaitParam(r).status());
                    RETURN_IF_ERROR(db.DeleteSnapshot(r.PathParam("collection_name"), r.PathParam("snapshot_name")));
                    return std::string("true");
                  }));
  router.AddWrite("PUT", "/collections/{collection_name}/snapshots/recover",
                  JsonHandler([&db](const HttpRequest& r) -> Result<std::string> {
                    RETURN_IF_ERROR(ReadWaitParam(r).status());
                    ASSIGN_OR_RETURN(JsonElement body, ParseBody(r.body, false));
                    auto location = Field(body, "location");
                    if (!location) return FormatError("missing field `location`");
                    ASSIGN_OR_RETURN(std::string_view url, ReadString(*location, "location"));
                    if (url.rfind(kFileScheme, 0) != 0) {
                      return Status::InvalidArgument(
                          "Bad request: only file:// locations inside the snapshots directory can be recovered from; "
                          "send other files with POST /collections/{collection_name}/snapshots/upload");
                    }
                    ASSIGN_OR_RETURN(auto checksum, ReadChecksum(Field(body, "checksum")));
                    ASSIGN_OR_RETURN(std::string path,
                                     db.LocalSnapshotFile(PercentDecode(url.substr(std::strlen(kFileScheme)), false)));
                    RETURN_IF_ERROR(db.RecoverSnapshot(r.PathParam("collection_name"), path, checksum));
                    return std::string("true");
                  }));
  router.AddStream("POST", "/collections/{collection_name}/snapshots/upload",
                   JsonHandler([&db](const HttpRequest& r) -> Result<std::string> {
                     RETURN_IF_ERROR(ReadWaitParam(r).status());
                     RETURN_IF_ERROR(Database::ValidateName(r.PathParam("collection_name")));
                     const std::string path = db.ScratchPath("upload.snapshot");
                     Status status = ReceiveUpload(r, path);
                     if (status.ok()) {
                       status = db.RecoverSnapshot(r.PathParam("collection_name"), path, r.QueryParam("checksum"));
                     }
                     std::remove(path.c_str());
                     RETURN_IF_ERROR(status);
                     return std::string("true");
                   }));

  router.AddWrite("POST", "/snapshots", JsonHandler([&db](const HttpRequest& r) -> Result<std::string> {
                    RETURN_IF_ERROR(ReadWaitParam(r).status());
                    ASSIGN_OR_RETURN(auto d, db.CreateFullSnapshot());
                    return DescriptionJson(d);
                  }));
  router.Add("GET", "/snapshots", JsonHandler([&db](const HttpRequest&) -> Result<std::string> {
               ASSIGN_OR_RETURN(auto list, db.ListFullSnapshots());
               return ListJson(list);
             }));
  router.Add("GET", "/snapshots/{snapshot_name}",
             [&db](const HttpRequest& r) { return Download(db.FullSnapshotPath(r.PathParam("snapshot_name"))); });
  router.AddWrite("DELETE", "/snapshots/{snapshot_name}", JsonHandler([&db](const HttpRequest& r) -> Result<std::string> {
                    RETURN_IF_ERROR(ReadWaitParam(r).status());
                    RETURN_IF_ERROR(db.DeleteFullSnapshot(r.PathParam("snapshot_name")));
                    return std::string("true");
                  }));
}

}  // namespace sextant::api
