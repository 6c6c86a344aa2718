// Time to open a collection after a clean stop and after kill -9, with the real
// binary: upload N synthetic points (random, 100-d, Cosine) over HTTP, wait
// until everything is indexed (and saved), then
//   1. clean stop (SIGTERM), start: time until /readyz answers (the server
//      opens every collection before it listens), and until the collection
//      reports green;
//   2. kill -9 of the idle server, start: the same times (RocksDB replays its WAL);
//   3. kill -9 right after another N/10 points were acknowledged (their
//      segments not yet indexed or saved), start: time to ready (searchable:
//      the op-log tail is replayed into growing segments) and to green (the
//      optimizer indexes what was not saved).
//
//   collection_open_time SEXTANT_BINARY N [dim]     (loopback only)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/json_body.h"
#include "support/random_vectors.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace sextant::testing;
using Clock = std::chrono::steady_clock;

namespace {

struct Server {
  std::string binary, data_dir;
  uint16_t port = 0;
  pid_t pid = -1;

  // Returns seconds from exec to the first 200 from /readyz (polled every 2 ms).
  double Start() {
    port = FreeLoopbackPort();
    const auto start = Clock::now();
    pid = ::fork();
    if (pid == 0) {
      std::vector<std::string> args = {binary, "serve", "--host", "127.0.0.1", "--port", std::to_string(port),
                                       "--data-dir", data_dir, "--log-level",
                                       std::getenv("SEXTANT_BENCH_LOG") ? std::getenv("SEXTANT_BENCH_LOG") : "warn"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    while (true) {
      try {
        HttpClient probe(port);
        if (probe.Get("/readyz").status == 200) break;
      } catch (const std::exception&) {
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) throw std::runtime_error("server exited during start-up");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  }
  void Stop(int signal) {
    ::kill(pid, signal);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
};

bool Green(uint16_t port) {
  HttpClient http(port);
  auto r = http.Get("/collections/open");
  return r.status == 200 && r.body.find("\"status\":\"green\"") != std::string::npos;
}

double WaitGreen(uint16_t port) {
  const auto start = Clock::now();
  while (!Green(port)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Upload(uint16_t port, size_t first, size_t count, size_t dim) {
  constexpr size_t kBatch = 1000;
  const std::vector<float> pool = RandomVectors(8192, dim, 11);
  auto worker = [&](size_t part, size_t parts) {
    HttpClient http(port);
    for (size_t b = first + part * kBatch; b < first + count; b += parts * kBatch) {
      const size_t end = std::min(first + count, b + kBatch);
      std::string body = "{\"batch\":{\"ids\":[";
      for (size_t i = b; i < end; ++i) {
        if (i > b) body.push_back(',');
        body += std::to_string(i);
      }
      body += "],\"vectors\":[";
      for (size_t i = b; i < end; ++i) {
        if (i > b) body.push_back(',');
        // Perturb pool rows by id so that vectors are distinct.
        std::vector<float> v(pool.begin() + (i % 8192) * dim, pool.begin() + (i % 8192 + 1) * dim);
        v[i % dim] += static_cast<float>(i % 1000) * 1e-3f;
        AppendFloats(&body, v.data(), dim);
      }
      body += "]}}";
      if (http.Put("/collections/open/points?wait=true", body).status != 200) {
        std::fprintf(stderr, "upload failed\n");
        std::exit(1);
      }
    }
  };
  std::thread a(worker, 0, 2), b(worker, 1, 2);
  a.join();
  b.join();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SEXTANT_BINARY N [dim]\n", argv[0]);
    return 2;
  }
  const size_t n = std::stoul(argv[2]);
  const size_t dim = argc > 3 ? std::stoul(argv[3]) : 100;
  TempDir tmp;
  Server server{argv[1], tmp.Sub("data")};
  server.Start();
  {
    HttpClient http(server.port);
    const std::string create = "{\"vectors\":{\"size\":" + std::to_string(dim) + ",\"distance\":\"Cosine\"}}";
    if (http.Put("/collections/open", create).status != 200) return 1;
  }
  auto t0 = Clock::now();
  Upload(server.port, 0, n, dim);
  const double upload = std::chrono::duration<double>(Clock::now() - t0).count();
  const double index = WaitGreen(server.port);
  std::printf("%zu points x %zu dims: upload %.1f s (%.0f points/s), then indexed in %.1f s more\n", n, dim, upload,
              n / upload, index);
  std::uintmax_t bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmp.Sub("data"))) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  std::printf("data dir: %.1f MB\n\n", bytes / 1e6);
  std::printf("%-44s %10s %10s\n", "scenario", "ready s", "green s");

  double ready = 0;
  for (int i = 0; i < 2; ++i) {
    server.Stop(SIGTERM);
    ready = server.Start();
    std::printf("%-44s %10.3f %10.3f\n", "clean stop (SIGTERM), all indexed", ready, ready + WaitGreen(server.port));
  }

  server.Stop(SIGKILL);
  ready = server.Start();
  std::printf("%-44s %10.3f %10.3f\n", "kill -9 while idle, all indexed", ready, ready + WaitGreen(server.port));

  Upload(server.port, n, n / 10, dim);
  server.Stop(SIGKILL);
  ready = server.Start();
  std::printf("%-44s %10.3f %10.3f\n", "kill -9 right after 10% more points", ready, ready + WaitGreen(server.port));
  HttpClient http(server.port);
  auto r = http.Post("/collections/open/points/count", "{\"exact\":true}");
  std::printf("\npoints after the last restart: %s\n", r.body.c_str());
  server.Stop(SIGTERM);
  return 0;
}
