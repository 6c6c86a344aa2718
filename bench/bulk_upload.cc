// Bulk upload throughput through the real binary, one fresh server per path:
//   json     PUT /points batch form, 1,000 points a request, wait=true, from
//            BENCH_JSON_CLIENTS concurrent clients (default 2)
//   ndjson   one POST /points/bulk, application/x-ndjson
//   fvecs    one POST /points/bulk?format=fvecs
//   npy      one POST /points/bulk, application/x-npy (float32)
// For each: points/s until the upload returns (every point is then durable
// and searchable), seconds until the collection is green (indexed), the
// server's peak memory (VmHWM), and a check that the count is right. Bodies
// are built before the clock starts. Then, on the last server: snapshot
// create and recover (into a new name) times.
//
//   bulk_upload glove100|synthetic [points] [dim]     (loopback only)
//     BENCH_PATHS=fvecs,npy runs only those paths (default: all four);
//     BENCH_NO_GREEN=1 does not wait for indexing (green after: "-").
//     glove100: ../shared/data/glove100/base.fvecs (100k x 100, Cosine)
//     synthetic: random normal vectors (default 1,000,000 x 128, Euclid)
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/datasets.h"
#include "support/http_client.h"
#include "support/json_body.h"
#include "support/npy.h"
#include "support/random_vectors.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace sextant::testing;
using Clock = std::chrono::steady_clock;

namespace {

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long PeakKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string Fvecs(const Matrix& m) {
  std::string out;
  out.reserve(m.rows * (4 + m.dim * 4));
  const int32_t d = static_cast<int32_t>(m.dim);
  for (size_t i = 0; i < m.rows; ++i) {
    out.append(reinterpret_cast<const char*>(&d), 4);
    out.append(reinterpret_cast<const char*>(m.row(i)), m.dim * 4);
  }
  return out;
}

std::string Npy(const Matrix& m) {
  return NpyBody("<f4", m.rows, m.dim, std::string(reinterpret_cast<const char*>(m.data.data()), m.data.size() * 4));
}

std::string Ndjson(const Matrix& m) {
  std::string out;
  for (size_t i = 0; i < m.rows; ++i) {
    out += "{\"id\":";
    out.append(std::to_string(i));
    out += ",\"vector\":";
    AppendFloats(&out, m.row(i), m.dim);
    out += "}\n";
  }
  return out;
}

size_t Count(HttpClient& http) {
  return std::stoul(JsonAt(http.Post("/collections/b/points/count", R"({"exact":true})").body, "/result/count"));
}

void WaitGreen(HttpClient& http, const std::string& c) {
  while (JsonAt(http.Get("/collections/" + c).body, "/result/status") != "green") {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s glove100|synthetic [points] [dim]\n", argv[0]);
    return 2;
  }
  const std::string dataset = argv[1];
  Matrix m;
  std::string distance;
  if (dataset == "glove100") {
    m = ReadFvecs(SharedDataDir() + "/glove100/base.fvecs", argc > 2 ? std::stoul(argv[2]) : SIZE_MAX);
    distance = "Cosine";
  } else {
    m.rows = argc > 2 ? std::stoul(argv[2]) : 1000000;
    m.dim = argc > 3 ? std::stoul(argv[3]) : 128;
    m.data = RandomVectors(m.rows, m.dim, 17);
    distance = "Euclid";
  }
  std::printf("%s: %zu x %zu, %s, synced writes\n", dataset.c_str(), m.rows, m.dim, distance.c_str());
  std::printf("%-13s %12s %12s %14s %12s %s\n", "path", "upload s", "points/s", "green after s", "peak MiB", "count");
  // BENCH_NO_INDEX=1: indexing off (optimizers_config.indexing_threshold 0),
  // to see the upload path without index builds competing for the CPU.
  const std::string create =
      "{\"vectors\":{\"size\":" + std::to_string(m.dim) + ",\"distance\":\"" + distance + "\"}" +
      (std::getenv("BENCH_NO_INDEX") ? ",\"optimizers_config\":{\"indexing_threshold\":0}}" : "}");
  const std::string only = std::getenv("BENCH_PATHS") ? std::getenv("BENCH_PATHS") : "json,ndjson,fvecs,npy";
  const bool wait_green = std::getenv("BENCH_NO_GREEN") == nullptr;
  const int json_clients = std::getenv("BENCH_JSON_CLIENTS") ? std::atoi(std::getenv("BENCH_JSON_CLIENTS")) : 2;
  // BENCH_DRIFT=on (default) | off | both: drift statistics on or off (both:
  // each path twice, on then off, in the same run).
  const std::string drift_mode = std::getenv("BENCH_DRIFT") ? std::getenv("BENCH_DRIFT") : "on";
  std::vector<bool> drift_runs;
  if (drift_mode != "off") drift_runs.push_back(true);
  if (drift_mode != "on") drift_runs.push_back(false);
  for (const std::string path : {"json", "ndjson", "fvecs", "npy"}) {
    if (("," + only + ",").find("," + path + ",") == std::string::npos) continue;
    for (const bool drift : drift_runs) {
      // Bodies first, outside the clock.
      std::vector<std::string> json_bodies;
      std::string body, type, query;
      if (path == "json") {
        for (size_t b = 0; b < m.rows; b += 1000) json_bodies.push_back(BatchBody(m.data.data(), m.dim, b, std::min(m.rows, b + 1000)));
      } else if (path == "ndjson") {
        body = Ndjson(m), type = "application/x-ndjson";
      } else if (path == "fvecs") {
        body = Fvecs(m), type = "application/octet-stream", query = "?format=fvecs";
      } else {
        body = Npy(m), type = "application/x-npy";
      }
      TempDir data;
      ServerProcess server(data.path());
      HttpClient http(server.port());
      if (http.Put("/collections/b", create).status != 200) return 1;
      if (!drift && http.Put("/collections/b/drift/config", R"({"enabled":false})").status != 200) return 1;
      const auto start = Clock::now();
      if (path == "json") {
        std::vector<std::thread> clients;
        std::atomic<size_t> next{0};
        for (int c = 0; c < json_clients; ++c) {
          clients.emplace_back([&] {
            HttpClient client(server.port());
            for (size_t i; (i = next++) < json_bodies.size();) {
              if (client.Put("/collections/b/points?wait=true", json_bodies[i]).status != 200) std::abort();
            }
          });
        }
        for (auto& t : clients) t.join();
      } else {
        auto r = http.Request("POST", "/collections/b/points/bulk" + query, body, type);
        if (r.status != 200) {
          std::fprintf(stderr, "%s: %s\n", path.c_str(), r.body.c_str());
          return 1;
        }
      }
      // The drift statistics are computed after the acknowledgement; the report
      // waits for them, so "upload s" includes them when they are on.
      if (drift && http.Get("/collections/b/drift").status != 200) return 1;
      const double upload = Since(start);
      if (wait_green) WaitGreen(http, "b");
      const double green = Since(start);
      const std::string label = path + (drift_runs.size() > 1 ? (drift ? "+drift" : "-drift") : "");
      std::printf("%-13s %12.2f %12.0f %14s %12.0f %zu\n", label.c_str(), upload, m.rows / upload,
                  wait_green ? std::to_string(green).substr(0, std::to_string(green).find('.') + 3).c_str() : "-",
                  PeakKb(server.pid()) / 1024.0, Count(http));
      std::fflush(stdout);
      if (path == "npy") {
        auto t = Clock::now();
        auto snap = http.Post("/collections/b/snapshots", "{}");
        const double create_s = Since(t);
        const std::string name = JsonAt(snap.body, "/result/name");
        t = Clock::now();
        auto rec = http.Put("/collections/r/snapshots/recover",
                            "{\"location\":\"file://" + data.path() + "/snapshots/b/" + name + "\"}");
        const double recover_s = Since(t);
        std::printf("snapshot of %zu points: %s bytes, create %.2f s, recover %.2f s (%s)\n", m.rows,
                    JsonAt(snap.body, "/result/size").c_str(), create_s, recover_s, rec.status == 200 ? "ok" : rec.body.c_str());
      }
    }
  }
  return 0;
}
