// HTTP search throughput against a running server: uploads a dataset into a
// fresh collection (unless --no-upload), waits until it is indexed, then runs
// the dataset's queries from N concurrent keep-alive clients for a fixed time
// and reports QPS, mean and p50/p95/p99 latency, and recall@10.
//
//   http_search_qps PORT [glove100|siftsmall] [clients...]   (loopback only)
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "support/datasets.h"
#include "support/http_client.h"
#include "support/json_body.h"

using namespace sextant::testing;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [glove100|siftsmall] [clients...]\n", argv[0]);
    return 2;
  }
  const uint16_t port = static_cast<uint16_t>(std::stoi(argv[1]));
  const std::string name = argc > 2 ? argv[2] : "glove100";
  std::vector<int> client_counts;
  for (int i = 3; i < argc; ++i) client_counts.push_back(std::stoi(argv[i]));
  if (client_counts.empty()) client_counts = {1, 4, 16};
  const bool cosine = name == "glove100";
  const std::string dir = SharedDataDir() + "/" + name;
  const Matrix base = ReadFvecs(dir + "/base.fvecs");
  const Matrix queries = ReadFvecs(dir + "/query.fvecs");
  const std::string collection = "bench_" + name;

  HttpClient admin(port);
  admin.Request("DELETE", "/collections/" + collection);
  std::string create = std::string("{\"vectors\":{\"size\":") + std::to_string(base.dim) +
                       ",\"distance\":\"" + (cosine ? "Cosine" : "Euclid") + "\"}}";
  if (admin.Put("/collections/" + collection, create).status != 200) return 1;
  const auto up0 = Clock::now();
  for (size_t b = 0; b < base.rows; b += 1000) {
    auto r = admin.Put("/collections/" + collection + "/points?wait=true",
                       BatchBody(base.data.data(), base.dim, b, std::min(base.rows, b + 1000)));
    if (r.status != 200) return 1;
  }
  const auto up1 = Clock::now();
  while (admin.Get("/collections/" + collection).body.find("\"status\":\"green\"") == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto up2 = Clock::now();
  std::printf("%s: upload %.1fs (%.0f points/s), indexed %.1fs later\n", name.c_str(),
              std::chrono::duration<double>(up1 - up0).count(),
              base.rows / std::chrono::duration<double>(up1 - up0).count(),
              std::chrono::duration<double>(up2 - up1).count());

  std::vector<std::string> bodies(queries.rows);
  for (size_t q = 0; q < queries.rows; ++q) {
    bodies[q] = "{\"limit\":10,\"query\":";
    AppendFloats(&bodies[q], queries.row(q), queries.dim);
    bodies[q] += "}";
  }
  std::printf("%8s | %10s | %9s %9s %9s %9s\n", "clients", "QPS", "mean ms", "p50 ms", "p95 ms", "p99 ms");
  for (int clients : client_counts) {
    std::atomic<size_t> next{0};
    std::vector<std::vector<double>> latencies(clients);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        HttpClient http(port);
        while (Clock::now() < deadline) {
          const size_t q = next++ % queries.rows;
          const auto a = Clock::now();
          auto r = http.Post("/collections/" + collection + "/points/query", bodies[q]);
          if (r.status != 200) std::abort();
          latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
        }
      });
    }
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    double mean = 0;
    for (double x : all) mean += x;
    mean /= all.size();
    auto pct = [&](double p) { return all[std::min(all.size() - 1, size_t(p * all.size()))]; };
    std::printf("%8d | %10.0f | %9.2f %9.2f %9.2f %9.2f\n", clients, all.size() / secs, mean, pct(0.5),
                pct(0.95), pct(0.99));
  }
  return 0;
}
