// Bulk upload (our extension): POST /collections/{collection_name}/points/bulk
// with the body streamed as it arrives, stored in durable batches.
//
// Bodies:
//   application/x-ndjson    one point per line: {"id":…,"vector":[…],"payload":{…}}
//   binary vectors          format=f32|npy|fvecs|bvecs (api/body/vector_stream.h;
//                           Content-Type application/x-npy implies npy); ids
//                           start_id, start_id+1, … (start_id defaults to 0)
//   multipart/form-data     optional part "ids" (a JSON array of ids) and part
//                           "payloads" (NDJSON, line i for vector i; an empty
//                           line or null: no payload), both before part
//                           "vectors" (binary as above; its format from
//                           `format`, the part's type or its file name)
//
// Semantics on bad input: a prefix. Points are stored in batches as they
// arrive; the first bad line/record stops the upload with a 400 that names it
// and says how many points before it are stored, which are exactly those
// before it (a batch is flushed before the error is answered). The ids and
// payloads parts are held in memory (at most kMaxSideParts bytes); vectors
// and NDJSON lines never are, beyond one batch.
#include <charconv>
#include <string>

#include "api/body/line_reader.h"
#include "api/http_text.h"
#include "api/body/multipart_reader.h"
#include "api/body/vector_stream.h"
#include "api/handlers/handler_util.h"
#include "api/handlers/handlers.h"
#include "core/vector_checks.h"

namespace sextant::api {

namespace {

constexpr size_t kMaxLine = size_t{64} << 20;
constexpr size_t kMaxSideParts = size_t{256} << 20;
constexpr size_t kBatchBytes = size_t{4} << 20;  // of vectors, per durable write

// Collects points and stores them in batches; remembers how many are stored.
class BatchWriter {
 public:
  BatchWriter(Collection& collection, size_t batch_points) : collection_(collection), batch_points_(batch_points) {
    batch_.reserve(batch_points);
  }
  // A failed store ends the upload: its error says which points are stored.
  Status Add(PointInput point) {
    batch_.push_back(std::move(point));
    if (batch_.size() >= batch_points_) return Flush();
    return Status::OK();
  }
  Status Flush() {
    if (batch_.empty()) return Status::OK();
    const size_t n = batch_.size();
    auto seq = collection_.Upsert(std::move(batch_));
    batch_.clear();
    if (!seq.ok()) {
      // (A write that failed after it became durable would be stored; the
      // collection reports that as a storage failure, 5xx, in any case.)
      return seq.status().WithMessage(seq.status().message() + " (storing a batch of " + std::to_string(n) +
                                      " points failed; the " + std::to_string(stored_) +
                                      " points before that batch are stored)");
    }
    last_seq_ = *seq;
    batch_.reserve(batch_points_);
    stored_ += n;
    return Status::OK();
  }
  // The error of line/record `where`, after storing everything before it.
  Status Fail(const std::string& where, const Status& cause) {
    RETURN_IF_ERROR(Flush());
    std::string message = cause.message();
    // Qdrant's prefixes first, then where it is.
    for (const char* prefix : {"Wrong input: ", "Bad request: ", "Format error in JSON body: "}) {
      if (message.rfind(prefix, 0) == 0) {
        message = std::string(prefix) + where + ": " + message.substr(std::strlen(prefix));
        break;
      }
    }
    if (message == cause.message()) message = where + ": " + message;
    message += " (the " + std::to_string(stored_) + " points before it are stored)";
    return cause.WithMessage(message);
  }
  size_t stored() const { return stored_; }
  SeqNo last_seq() const { return last_seq_; }

 private:
  Collection& collection_;
  const size_t batch_points_;
  std::vector<PointInput> batch_;
  size_t stored_ = 0;
  SeqNo last_seq_ = 0;
};

size_t BatchPoints(const Collection& c) {
  const size_t dim = c.config().dim;
  return std::clamp<size_t>(kBatchBytes / (dim * sizeof(float)), 256, 16384);
}

// One NDJSON point line. A vector of the right size that CheckVector refuses
// holds NaN or infinite values: the collection counts those (drift anomalies).
Result<PointInput> ParsePointLine(std::string_view line, Collection& c) {
  const size_t dim = c.config().dim;
  ASSIGN_OR_RETURN(JsonElement doc, ParseDocument(line, true));
  if (!doc.is_object()) return FormatError("expected a JSON object");
  ASSIGN_OR_RETURN(PointInput point, ReadPointStruct(doc));
  if (Status valid = CheckVector(point.vector, dim); !valid.ok()) {
    if (point.vector.size() == dim) c.NoteNonFiniteRejected(1);
    return valid;
  }
  return point;
}

Status UploadNdjson(BodyReader& body, Collection& c, BatchWriter& writer) {
  LineReader lines(body, kMaxLine);
  while (true) {
    auto line = lines.Next();
    if (!line.ok()) return writer.Fail("line " + std::to_string(lines.line_number()), line.status());
    if (!*line) break;
    if ((*line)->find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
    auto point = ParsePointLine(**line, c);
    if (!point.ok()) return writer.Fail("line " + std::to_string(lines.line_number()), point.status());
    RETURN_IF_ERROR(writer.Add(std::move(*point)));
  }
  return writer.Flush();
}

// The ids and payloads a multipart upload gives for its vectors.
struct SideParts {
  std::optional<std::vector<PointId>> ids;
  std::vector<std::string> payloads;  // minified objects, "" for none
  bool has_payloads = false;
};

Result<std::string> ReadWholePart(MultipartReader& parts, size_t* budget, const std::string& name) {
  std::string data;
  char buffer[1 << 16];
  while (true) {
    ASSIGN_OR_RETURN(size_t n, parts.Read(buffer, sizeof(buffer)));
    if (n == 0) return data;
    if (n > *budget) {
      return Status::PayloadTooLarge("Payload error: the `" + name + "` part is over " +
                                     std::to_string(kMaxSideParts) + " bytes; send fewer points per request");
    }
    *budget -= n;
    data.append(buffer, n);
  }
}

Status ReadIdsPart(const std::string& text, SideParts* side) {
  auto doc = ParseDocument(text, false);
  if (!doc.ok()) return doc.status().WithMessage(doc.status().message() + " (in the ids part)");
  ASSIGN_OR_RETURN(auto ids, ReadPointIds(*doc, "ids"));
  side->ids = std::move(ids);
  return Status::OK();
}

Status ReadPayloadsPart(const std::string& text, SideParts* side) {
  StringBodyReader reader(text);
  LineReader lines(reader, kMaxLine);
  side->has_payloads = true;
  while (true) {
    ASSIGN_OR_RETURN(auto line, lines.Next());
    if (!line) break;
    const std::string where = "payloads line " + std::to_string(lines.line_number());
    if (line->find_first_not_of(" \t") == std::string_view::npos || *line == "null") {
      side->payloads.emplace_back();
      continue;
    }
    auto doc = ParseDocument(*line, true);
    if (!doc.ok()) return doc.status().WithMessage(doc.status().message() + " (" + where + ")");
    if (!doc->is_object()) return FormatError(where + ": expected a JSON object");
    side->payloads.push_back(Minify(*doc));
  }
  return Status::OK();
}

Result<uint64_t> StartId(const HttpRequest& r) {
  auto text = r.QueryParam("start_id");
  if (!text) return uint64_t{0};
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return Status::InvalidArgument("Bad request: start_id must be an unsigned integer, got `" + *text + "`");
  }
  return v;
}

Status UploadVectors(BodyReader& body, VectorFormat format, Collection& c, const SideParts& side, uint64_t start_id,
                     BatchWriter& writer) {
  const size_t dim = c.config().dim;
  VectorStream stream(body, format, dim);
  std::vector<float> rows;
  const size_t batch = BatchPoints(c);
  while (true) {
    const size_t first = stream.records();
    auto n = stream.Next(batch, &rows);
    if (!n.ok()) {
      if (stream.rejected_non_finite()) c.NoteNonFiniteRejected(1);
      return writer.Fail("record " + std::to_string(stream.records()), n.status());
    }
    if (*n == 0) break;
    for (size_t i = 0; i < *n; ++i) {
      const size_t record = first + i;
      PointInput point;
      if (side.ids) {
        if (record >= side.ids->size()) {
          return writer.Fail("record " + std::to_string(record),
                             Status::InvalidArgument("Wrong input: the ids part has only " +
                                                     std::to_string(side.ids->size()) + " ids"));
        }
        point.id = (*side.ids)[record];
      } else {
        point.id = PointId::Num(start_id + record);
      }
      if (side.has_payloads) {
        if (record >= side.payloads.size()) {
          return writer.Fail("record " + std::to_string(record),
                             Status::InvalidArgument("Wrong input: the payloads part has only " +
                                                     std::to_string(side.payloads.size()) + " lines"));
        }
        point.payload = side.payloads[record];
      }
      point.vector.assign(rows.begin() + i * dim, rows.begin() + (i + 1) * dim);
      RETURN_IF_ERROR(writer.Add(std::move(point)));
    }
  }
  RETURN_IF_ERROR(writer.Flush());
  if (side.ids && side.ids->size() != stream.records()) {
    return Status::InvalidArgument("Wrong input: the ids part has " + std::to_string(side.ids->size()) + " ids for " +
                                   std::to_string(stream.records()) + " vectors (all " +
                                   std::to_string(stream.records()) + " points are stored)");
  }
  return Status::OK();
}

Result<VectorFormat> FormatOf(const HttpRequest& r, const std::string& content_type, const std::string& filename) {
  if (auto name = r.QueryParam("format")) {
    auto f = ParseVectorFormat(*name);
    if (!f) {
      return Status::InvalidArgument("Bad request: unknown format `" + *name +
                                     "`, expected one of `ndjson`, `f32`, `npy`, `fvecs`, `bvecs`");
    }
    return *f;
  }
  const std::string type = AsciiLower(content_type);
  if (type.rfind("application/x-npy", 0) == 0) return VectorFormat::kNpy;
  for (const auto& [ext, f] : {std::pair{".npy", VectorFormat::kNpy}, std::pair{".fvecs", VectorFormat::kFvecs},
                               std::pair{".bvecs", VectorFormat::kBvecs}, std::pair{".f32", VectorFormat::kF32}}) {
    if (filename.size() > std::strlen(ext) && filename.compare(filename.size() - std::strlen(ext), std::string::npos, ext) == 0) {
      return f;
    }
  }
  return Status::InvalidArgument(
      "Bad request: say how the vectors are encoded: format=f32|npy|fvecs|bvecs, or send NDJSON with "
      "Content-Type application/x-ndjson");
}

Status UploadMultipart(const HttpRequest& r, Collection& c, uint64_t start_id, BatchWriter& writer) {
  ASSIGN_OR_RETURN(std::string boundary, MultipartReader::BoundaryOf(r.content_type));
  MultipartReader parts(*r.body_reader, boundary);
  SideParts side;
  size_t budget = kMaxSideParts;
  bool vectors_done = false;
  while (true) {
    ASSIGN_OR_RETURN(auto part, parts.NextPart());
    if (!part) break;
    if (vectors_done) {
      if (part->name == "ids" || part->name == "payloads") {
        return Status::InvalidArgument("Bad request: the `" + part->name +
                                       "` part must come before the `vectors` part (all vectors are stored)");
      }
      continue;
    }
    if (part->name == "ids") {
      ASSIGN_OR_RETURN(std::string text, ReadWholePart(parts, &budget, "ids"));
      RETURN_IF_ERROR(ReadIdsPart(text, &side));
    } else if (part->name == "payloads") {
      ASSIGN_OR_RETURN(std::string text, ReadWholePart(parts, &budget, "payloads"));
      RETURN_IF_ERROR(ReadPayloadsPart(text, &side));
    } else if (part->name == "vectors") {
      ASSIGN_OR_RETURN(VectorFormat format, FormatOf(r, part->content_type, part->filename));
      RETURN_IF_ERROR(UploadVectors(parts, format, c, side, start_id, writer));  // the part as the body
      vectors_done = true;
    }
  }
  if (!vectors_done) return Status::InvalidArgument("Bad request: the multipart body has no `vectors` part");
  return Status::OK();
}

}  // namespace

void RegisterBulkRoutes(Router& router, Database& db) {
  router.AddStream("POST", "/collections/{collection_name}/points/bulk",
                   JsonHandler([&db](const HttpRequest& r) -> Result<std::string> {
                     RETURN_IF_ERROR(ReadWaitParam(r).status());
                     ASSIGN_OR_RETURN(auto c, db.GetCollection(r.PathParam("collection_name")));
                     ASSIGN_OR_RETURN(uint64_t start_id, StartId(r));
                     BatchWriter writer(*c, BatchPoints(*c));
                     const std::string type = AsciiLower(r.content_type);
                     const auto format = r.QueryParam("format");
                     Status status;
                     if ((format && *format == "ndjson") || type.rfind("application/x-ndjson", 0) == 0 ||
                         type.rfind("application/jsonl", 0) == 0 || type.rfind("application/ndjson", 0) == 0) {
                       status = UploadNdjson(*r.body_reader, *c, writer);
                     } else if (type.rfind("multipart/form-data", 0) == 0) {
                       status = UploadMultipart(r, *c, start_id, writer);
                     } else {
                       auto f = FormatOf(r, r.content_type, "");
                       status = f.ok() ? UploadVectors(*r.body_reader, *f, *c, SideParts{}, start_id, writer)
                                       : f.status();
                     }
                     RETURN_IF_ERROR(status);
                     JsonWriter w;
                     w.BeginObject();
                     w.Key("operation_id").Uint(writer.last_seq());
                     w.Key("status").String("completed");
                     w.Key("points").Uint(writer.stored());
                     w.EndObject();
                     return w.Take();
                   }));
}

}  // namespace sextant::api
