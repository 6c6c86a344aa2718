#include "sextant_bench/http_collection.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <vector>

#include "sextant_bench/json_text.h"

namespace sextant::bench {

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

const char* DistanceName(Metric m) {
  switch (m) {
    case Metric::kEuclid: return "Euclid";
    case Metric::kCosine: return "Cosine";
    case Metric::kDot: return "Dot";
    case Metric::kManhattan: return "Manhattan";
  }
  return "Euclid";
}

// {"batch":{"ids":[begin..end),"vectors":[...]}}
std::string BatchBody(const Vectors& base, size_t begin, size_t end) {
  std::string body = "{\"batch\":{\"ids\":[";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) body.push_back(',');
    body.append(std::to_string(i));
  }
  body += "],\"vectors\":[";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) body.push_back(',');
    AppendJsonFloats(&body, base.row(i), base.dim);
  }
  body += "]}}";
  return body;
}

Status Expect200(const HttpReply& reply, const std::string& what) {
  if (reply.status != 200) {
    return Status::IOError(what + ": HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 500));
  }
  return Status::OK();
}

Status Expect200(const Result<HttpReply>& reply, const std::string& what) {
  if (!reply.ok()) return reply.status();
  return Expect200(*reply, what);
}

Status UploadPoints(const std::string& url, const std::string& api_key, const std::string& name,
                    const std::vector<std::string>& bodies, size_t clients) {
  std::atomic<size_t> next{0};
  std::vector<Status> errors(std::max<size_t>(clients, 1));
  std::vector<std::thread> threads;
  for (size_t c = 0; c < errors.size(); ++c) {
    threads.emplace_back([&, c] {
      auto http = HttpConnection::Open(url, api_key);
      if (!http.ok()) {
        errors[c] = http.status();
        return;
      }
      for (size_t i; (i = next++) < bodies.size();) {
        errors[c] = Expect200((*http)->Request("PUT", "/collections/" + name + "/points?wait=true", bodies[i]),
                              "upload");
        if (!errors[c].ok()) {
          next = bodies.size();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : errors) RETURN_IF_ERROR(s);
  return Status::OK();
}

}  // namespace

Result<std::string> CreateBody(const CollectionSetup& s) {
  std::string body = "{\"vectors\":{\"size\":" + std::to_string(s.dim) + ",\"distance\":\"";
  body += DistanceName(s.metric);
  body += "\"},\"hnsw_config\":{\"m\":" + std::to_string(s.m) + ",\"ef_construct\":" + std::to_string(s.ef_construct) + "}";
  long threshold = s.indexing_threshold_kb;
  if (s.engine == "sextant-exact") {
    threshold = 0;  // indexing off: every segment is searched exactly
  } else if (s.engine == "sextant-hnsw") {
    if (s.quantization == "sq8") {
      body += ",\"quantization_config\":{\"scalar\":{\"type\":\"int8\"}}";
    } else if (s.quantization != "off") {
      return Status::InvalidArgument("sextant-hnsw over HTTP has quantization off or sq8, not " + s.quantization);
    }
  } else if (s.engine == "sextant-ivf") {
    const std::string quantizer = s.quantization == "off" ? "flat" : s.quantization;
    if (quantizer != "flat" && quantizer != "sq8" && quantizer != "pq") {
      return Status::InvalidArgument("sextant-ivf has quantization off, sq8 or pq, not " + s.quantization);
    }
    body += ",\"ivf_config\":{\"quantizer\":\"" + quantizer + "\"";
    if (s.nlist != 0) body += ",\"nlist\":" + std::to_string(s.nlist);
    body += "}";
  } else {
    return Status::InvalidArgument("engine " + s.engine + " does not run over HTTP");
  }
  if (threshold >= 0) body += ",\"optimizers_config\":{\"indexing_threshold\":" + std::to_string(threshold) + "}";
  body += "}";
  return body;
}

Result<UploadTimes> CreateAndUpload(const std::string& url, const std::string& api_key, const CollectionSetup& setup,
                                    const Vectors& base, UploadPath path, size_t clients, double green_timeout_s) {
  ASSIGN_OR_RETURN(std::string create, CreateBody(setup));
  ASSIGN_OR_RETURN(auto http, HttpConnection::Open(url, api_key));
  const std::string collection = "/collections/" + setup.name;
  ASSIGN_OR_RETURN(HttpReply existing, http->Request("GET", collection));
  if (existing.status == 200) {
    return Status::AlreadyExists("the server already has a collection \"" + setup.name +
                                 "\" (left by --keep?): delete it or choose another --collection-prefix");
  }
  if (existing.status != 404) return Expect200(existing, "GET " + collection);
  RETURN_IF_ERROR(Expect200(http->Request("PUT", collection, create), "create " + setup.name));

  // Bodies first, outside the clock.
  std::string raw;
  std::vector<std::string> batches;
  if (path == UploadPath::kBulk) {
    raw.assign(reinterpret_cast<const char*>(base.data.data()), base.data.size() * sizeof(float));
  } else {
    for (size_t b = 0; b < base.rows; b += 1000) batches.push_back(BatchBody(base, b, std::min(base.rows, b + 1000)));
  }
  UploadTimes times;
  const auto start = Clock::now();
  if (path == UploadPath::kBulk) {
    RETURN_IF_ERROR(Expect200(http->Request("POST", collection + "/points/bulk?format=f32", raw,
                                            "application/octet-stream"),
                              "bulk upload"));
  } else {
    RETURN_IF_ERROR(UploadPoints(url, api_key, setup.name, batches, clients));
  }
  times.upload_s = Since(start);
  const auto uploaded = Clock::now();
  // Right after the upload the optimizer may not have frozen a segment yet,
  // so green alone could mean "not started": above the threshold, wait for
  // indexed vectors too.
  const double base_kb = double(base.rows) * double(base.dim) * sizeof(float) / 1024.0;
  const bool expect_index = setup.engine != "sextant-exact" && setup.indexing_threshold_kb != 0 &&
                            base_kb > double(setup.indexing_threshold_kb < 0 ? 10000 : setup.indexing_threshold_kb);
  while (true) {
    auto info = http->Request("GET", collection);
    RETURN_IF_ERROR(Expect200(info, "GET " + collection));
    const bool green = JsonStringAt(info->body, "/result/status") == "green";
    const uint64_t points = JsonUintAt(info->body, "/result/points_count").value_or(0);
    const uint64_t indexed = JsonUintAt(info->body, "/result/indexed_vectors_count").value_or(0);
    if (green && points >= base.rows && (!expect_index || indexed > 0)) break;
    if (Since(uploaded) > green_timeout_s) {
      return Status::IOError(setup.name + " not green and indexed after " + std::to_string(green_timeout_s) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  times.green_s = Since(uploaded);
  return times;
}

Status DeleteCollection(const std::string& url, const std::string& api_key, const std::string& name) {
  ASSIGN_OR_RETURN(auto http, HttpConnection::Open(url, api_key));
  ASSIGN_OR_RETURN(HttpReply reply, http->Request("DELETE", "/collections/" + name));
  if (reply.status == 404) return Status::OK();
  return Expect200(reply, "DELETE /collections/" + name);
}

double ServerMemoryMiB(HttpConnection& http) {
  auto metrics = http.Request("GET", "/metrics");
  if (metrics.ok() && metrics->status == 200) {
    std::istringstream lines(metrics->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("process_resident_memory_bytes ", 0) == 0) {
        return std::strtod(line.c_str() + line.find(' ') + 1, nullptr) / (1024.0 * 1024.0);
      }
    }
  }
  return NAN;
}

}  // namespace sextant::bench
