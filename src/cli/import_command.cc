#include "cli/import_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "api/body/vector_stream.h"
#include "api/json/json_reader.h"
#include "cli/http_client.h"
#include "cli/progress.h"

namespace sextant::cli {

namespace {

namespace fs = std::filesystem;

// A file as a request body source, for VectorStream.
class FileReader : public api::BodyReader {
 public:
  explicit FileReader(const std::string& path) : file_(std::fopen(path.c_str(), "rb")) {}
  ~FileReader() override {
    if (file_ != nullptr) std::fclose(file_);
  }
  bool ok() const { return file_ != nullptr; }
  Result<size_t> Read(char* dst, size_t n) override {
    const size_t got = std::fread(dst, 1, n, file_);
    if (got == 0 && std::ferror(file_)) return Status::IOError("read error");
    return got;
  }

 private:
  std::FILE* file_;
};

enum class Kind { kVectors, kNdjson };

struct InputFile {
  std::string path;
  Kind kind = Kind::kVectors;
  api::VectorFormat format = api::VectorFormat::kFvecs;
  uint64_t rows = 0;  // points in it
  size_t dim = 0;
  std::string identity;  // size and mtime: a changed file does not resume
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<InputFile> Inspect(const std::string& path) {
  InputFile in;
  in.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound("cannot read " + path + ": " + std::strerror(errno));
  in.identity = std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
                std::to_string(st.st_mtim.tv_nsec);
  if (EndsWith(path, ".ndjson") || EndsWith(path, ".jsonl") || EndsWith(path, ".json")) {
    in.kind = Kind::kNdjson;
    std::ifstream lines(path, std::ios::binary);
    std::string line;
    while (std::getline(lines, line)) in.rows += line.find_first_not_of(" \t\r") != std::string::npos;
    return in;
  }
  if (EndsWith(path, ".fvecs")) {
    in.format = api::VectorFormat::kFvecs;
  } else if (EndsWith(path, ".bvecs")) {
    in.format = api::VectorFormat::kBvecs;
  } else if (EndsWith(path, ".npy")) {
    in.format = api::VectorFormat::kNpy;
  } else {
    return Status::InvalidArgument(path + ": unknown file type (expected .fvecs, .bvecs, .npy, .ndjson or .jsonl)");
  }
  FileReader reader(path);
  if (!reader.ok()) return Status::NotFound("cannot open " + path);
  api::VectorStream stream(reader, in.format, 0);
  std::vector<float> none;
  ASSIGN_OR_RETURN(size_t n, stream.Next(0, &none));
  (void)n;
  in.dim = stream.dim();
  if (in.format == api::VectorFormat::kNpy) {
    in.rows = stream.declared_rows().value_or(0);
  } else if (in.dim > 0) {
    const size_t row = 4 + in.dim * (in.format == api::VectorFormat::kFvecs ? 4 : 1);
    in.rows = static_cast<uint64_t>(st.st_size) / row;
  }
  return in;
}

// The resume state: per input file (path and identity), the points stored.
class ImportState {
 public:
  ImportState(std::string path, std::string collection) : path_(std::move(path)), collection_(std::move(collection)) {}
  void Load() {
    std::ifstream in(path_);
    std::string header, collection;
    if (!std::getline(in, header) || header != "sextant-import 1" || !std::getline(in, collection) ||
        collection != "collection " + collection_) {
      return;
    }
    std::string key;
    uint64_t done;
    while (in >> done && std::getline(in >> std::ws, key)) done_[key] = done;
  }
  uint64_t Done(const InputFile& f) const {
    auto it = done_.find(Key(f));
    return it == done_.end() ? 0 : it->second;
  }
  Status Save(const InputFile& f, uint64_t done) {
    done_[Key(f)] = done;
    const std::string tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << "sextant-import 1\ncollection " << collection_ << "\n";
      for (const auto& [key, n] : done_) out << n << " " << key << "\n";
      if (!out.flush()) return Status::IOError("cannot write the resume state " + tmp);
    }
    std::error_code ec;
    fs::rename(tmp, path_, ec);
    if (ec) return Status::IOError("cannot write the resume state " + path_ + ": " + ec.message());
    return Status::OK();
  }
  void Remove() {
    std::error_code ec;
    fs::remove(path_, ec);
  }

 private:
  static std::string Key(const InputFile& f) { return f.identity + " " + fs::absolute(f.path).string(); }
  const std::string path_;
  const std::string collection_;
  std::map<std::string, uint64_t> done_;
};

// The server's error text from an error envelope (or the raw body).
std::string ServerError(const HttpReply& reply) {
  auto doc = api::ParseBody(reply.body, false);
  if (doc.ok()) {
    if (auto status = api::Field(*doc, "status")) {
      if (status->is_object()) {
        if (auto error = api::Field(*status, "error")) {
          auto text = api::ReadString(*error, "error");
          if (text.ok()) return "HTTP " + std::to_string(reply.status) + ": " + std::string(*text);
        }
      }
    }
  }
  return "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 300);
}

// The collection's vector size, creating it when missing and asked to.
Result<size_t> CollectionDim(HttpClient& http, const ImportOptions& o, size_t file_dim) {
  const std::string target = "/collections/" + o.collection;
  ASSIGN_OR_RETURN(HttpReply reply, http.Request("GET", target));
  if (reply.status == 404) {
    if (o.distance.empty()) {
      return Status::NotFound("collection `" + o.collection + "` does not exist (pass --distance to create it)");
    }
    if (file_dim == 0) return Status::InvalidArgument("cannot tell the vector size to create the collection with");
    ASSIGN_OR_RETURN(HttpReply created,
                     http.Request("PUT", target,
                                  "{\"vectors\":{\"size\":" + std::to_string(file_dim) + ",\"distance\":\"" +
                                      o.distance + "\"}}"));
    if (created.status != 200) return Status::InvalidArgument("cannot create the collection: " + ServerError(created));
    return file_dim;
  }
  if (reply.status != 200) return Status::IOError(ServerError(reply));
  ASSIGN_OR_RETURN(auto doc, api::ParseBody(reply.body, false));
  auto size = doc.at_pointer("/result/config/params/vectors/size");
  if (size.error() || !size.is_uint64()) return Status::Internal("the server's collection info has no vector size");
  return static_cast<size_t>(size.get_uint64().value());
}

std::string Multipart(const std::string& payloads, const std::string& vectors, const std::string& boundary) {
  std::string body;
  body.reserve(payloads.size() + vectors.size() + 512);
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"payloads\"\r\n\r\n";
  body += payloads;
  body += "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"vectors\"; filename=\"v.f32\"\r\n\r\n";
  body += vectors;
  body += "\r\n--" + boundary + "--\r\n";
  return body;
}

class Importer {
 public:
  Importer(const ImportOptions& o, HttpClient& http, ImportState& state, uint64_t total)
      : o_(o), http_(http), state_(state), progress_("import " + o.collection, total, "points") {}

  Status Open() {
    if (!o_.payloads.empty()) {
      payloads_.open(o_.payloads, std::ios::binary);
      if (!payloads_) return Status::NotFound("cannot open " + o_.payloads);
    }
    return Status::OK();
  }

  // The next `n` payload lines (rows before `skip_to` are skipped first).
  Result<std::string> PayloadLines(size_t n) {
    std::string out, line;
    for (size_t i = 0; i < n; ++i) {
      if (!std::getline(payloads_, line)) {
        return Status::InvalidArgument(o_.payloads + " has fewer lines than there are vectors (" +
                                       std::to_string(payload_line_) + ")");
      }
      ++payload_line_;
      out += line;
      out += '\n';
    }
    return out;
  }

  Status Send(const std::string& query, const std::string& body, const std::string& type, const std::string& what) {
    ASSIGN_OR_RETURN(HttpReply reply,
                     http_.Request("POST", "/collections/" + o_.collection + "/points/bulk" + query, body, type));
    if (reply.status != 200) return Status::InvalidArgument(what + ": the server refused it: " + ServerError(reply));
    return Status::OK();
  }

  Status ImportVectors(const InputFile& f, size_t dim) {
    uint64_t done = state_.Done(f);
    FileReader reader(f.path);
    if (!reader.ok()) return Status::NotFound("cannot open " + f.path);
    api::VectorStream stream(reader, f.format, dim);
    std::vector<float> rows;
    // Skip what a previous run stored.
    for (uint64_t skipped = 0; skipped < done;) {
      ASSIGN_OR_RETURN(size_t n, stream.Next(std::min<uint64_t>(o_.batch, done - skipped), &rows));
      if (n == 0) break;
      skipped += n;
      if (payloads_.is_open()) RETURN_IF_ERROR(PayloadLines(n).status());
    }
    stored_ += done;
    while (true) {
      auto n = stream.Next(o_.batch, &rows);
      if (!n.ok()) return n.status().WithContext(f.path);
      if (*n == 0) break;
      const std::string vectors(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(float));
      const std::string query = "?wait=true&format=f32&start_id=" + std::to_string(o_.start_id + row_base_ + done);
      const std::string what = f.path + " rows " + std::to_string(done) + ".." + std::to_string(done + *n - 1);
      if (payloads_.is_open()) {
        ASSIGN_OR_RETURN(std::string lines, PayloadLines(*n));
        const std::string boundary = "sextant-import-boundary-7f3a9c";
        RETURN_IF_ERROR(Send(query, Multipart(lines, vectors, boundary), "multipart/form-data; boundary=" + boundary, what));
      } else {
        RETURN_IF_ERROR(Send(query, vectors, "application/octet-stream", what));
      }
      done += *n;
      stored_ += *n;
      RETURN_IF_ERROR(state_.Save(f, done));
      progress_.Update(stored_);
    }
    row_base_ += done;
    return Status::OK();
  }

  Status ImportNdjson(const InputFile& f) {
    uint64_t done = state_.Done(f);
    std::ifstream in(f.path, std::ios::binary);
    if (!in) return Status::NotFound("cannot open " + f.path);
    std::string line, body;
    uint64_t seen = 0, in_body = 0, line_number = 0, first_line = 0;
    auto flush = [&]() -> Status {
      if (in_body == 0) return Status::OK();
      RETURN_IF_ERROR(Send("?wait=true", body, "application/x-ndjson",
                           f.path + " from line " + std::to_string(first_line)));
      done += in_body;
      stored_ += in_body;
      in_body = 0;
      body.clear();
      RETURN_IF_ERROR(state_.Save(f, done));
      progress_.Update(stored_);
      return Status::OK();
    };
    stored_ += done;
    while (std::getline(in, line)) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (seen++ < done) continue;  // stored by a previous run
      if (in_body == 0) first_line = line_number;
      body += line;
      body += '\n';
      if (++in_body >= o_.batch || body.size() >= (size_t{32} << 20)) RETURN_IF_ERROR(flush());
    }
    return flush();
  }

  uint64_t stored() const { return stored_; }
  Progress& progress() { return progress_; }

 private:
  const ImportOptions& o_;
  HttpClient& http_;
  ImportState& state_;
  Progress progress_;
  std::ifstream payloads_;
  uint64_t payload_line_ = 0;
  uint64_t row_base_ = 0;  // vector rows of the files before this one
  uint64_t stored_ = 0;
};

Status Import(const ImportOptions& o) {
  if (o.collection.empty()) return Status::InvalidArgument("--collection is required");
  if (o.files.empty()) return Status::InvalidArgument("no files to import");
  if (o.batch == 0) return Status::InvalidArgument("--batch must be at least 1");
  std::vector<InputFile> files;
  uint64_t total = 0;
  size_t file_dim = 0;
  for (const std::string& path : o.files) {
    ASSIGN_OR_RETURN(InputFile f, Inspect(path));
    if (f.kind == Kind::kNdjson && !o.payloads.empty()) {
      return Status::InvalidArgument("--payloads applies to vector files; NDJSON lines carry their own payloads");
    }
    if (f.dim > 0 && file_dim > 0 && f.dim != file_dim) {
      return Status::InvalidArgument(path + " has vectors of size " + std::to_string(f.dim) + ", the files before it " +
                                     std::to_string(file_dim));
    }
    if (f.dim > 0) file_dim = f.dim;
    total += f.rows;
    files.push_back(std::move(f));
  }
  ASSIGN_OR_RETURN(auto http, HttpClient::Connect(o.url));
  ASSIGN_OR_RETURN(size_t dim, CollectionDim(*http, o, file_dim));
  if (file_dim > 0 && file_dim != dim) {
    return Status::InvalidArgument("the files hold vectors of size " + std::to_string(file_dim) + ", collection `" +
                                   o.collection + "` takes " + std::to_string(dim));
  }
  ImportState state(o.state_path.empty() ? ".sextant-import-" + o.collection + ".state" : o.state_path,
                    o.collection);
  if (!o.restart) state.Load();
  Importer importer(o, *http, state, total);
  RETURN_IF_ERROR(importer.Open());
  uint64_t resumed = 0;
  for (const InputFile& f : files) resumed += state.Done(f);
  if (resumed > 0) std::fprintf(stderr, "resuming: %llu points were stored by an earlier run\n",
                                static_cast<unsigned long long>(resumed));
  importer.progress().SetBase(resumed);
  for (const InputFile& f : files) {
    RETURN_IF_ERROR(f.kind == Kind::kNdjson ? importer.ImportNdjson(f) : importer.ImportVectors(f, dim));
  }
  importer.progress().Finish(importer.stored());
  state.Remove();
  return Status::OK();
}

}  // namespace

int RunImport(const ImportOptions& options) {
  Status s = Import(options);
  if (!s.ok()) {
    std::fprintf(stderr, "\nsextant import: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace sextant::cli
