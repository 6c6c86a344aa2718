// Synced upsert throughput against a running server, with N concurrent
// keep-alive clients: each client upserts its own ids (`batch` form, `wait=true`)
// for a fixed time. Runs every client count under the `synced` write policy and,
// as the anchor in the same run, under `async` (no fsync): synced/async shows
// what durability costs, and synced at N clients vs 1 client shows the fsyncs
// that concurrent writers share (group commit).
//
//   http_upsert_throughput PORT [points_per_request] [seconds] [clients...]   (loopback only)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/json_body.h"
#include "support/random_vectors.h"

using namespace sextant::testing;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [points_per_request] [seconds] [clients...]\n", argv[0]);
    return 2;
  }
  const uint16_t port = static_cast<uint16_t>(std::stoi(argv[1]));
  const size_t per_request = argc > 2 ? std::stoul(argv[2]) : 1;
  const double seconds = argc > 3 ? std::stod(argv[3]) : 5.0;
  std::vector<int> client_counts;
  for (int i = 4; i < argc; ++i) client_counts.push_back(std::stoi(argv[i]));
  if (client_counts.empty()) client_counts = {1, 4, 16};
  constexpr size_t kDim = 100;
  // A pool of vectors the clients cycle through; ids are what makes points new.
  const std::vector<float> pool = RandomVectors(4096, kDim, 7);

  std::printf("%zu points per request, %zu dims, %.0f s per run, wait=true\n", per_request, kDim, seconds);
  std::printf("%8s %5s %8s | %10s %12s | %8s %8s\n", "policy", "drift", "clients", "requests/s", "points/s", "p50 ms",
              "p99 ms");
  // Drift statistics on (the default) and off, synced, in the same run: their
  // cost on upserts; then async (no fsync) with drift on.
  struct Run {
    const char* policy;
    bool drift;
  };
  for (const Run run : {Run{"synced", true}, Run{"synced", false}, Run{"async", true}}) {
    const char* policy = run.policy;
    for (int clients : client_counts) {
      HttpClient admin(port);
      const std::string collection = std::string("bench_upsert_") + policy;
      admin.Request("DELETE", "/collections/" + collection);
      const std::string create = "{\"vectors\":{\"size\":" + std::to_string(kDim) +
                                 ",\"distance\":\"Cosine\"},\"wal_config\":{\"write_policy\":\"" + policy + "\"}}";
      if (admin.Put("/collections/" + collection, create).status != 200 ||
          admin.Put("/collections/" + collection + "/drift/config",
                    run.drift ? R"({"enabled":true})" : R"({"enabled":false})").status != 200) {
        std::fprintf(stderr, "create failed\n");
        return 1;
      }
      std::atomic<bool> stop{false};
      std::atomic<size_t> failures{0};
      std::vector<std::vector<double>> latencies(clients);
      std::vector<std::thread> threads;
      const auto start = Clock::now();
      for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
          HttpClient client(port);
          size_t next_id = size_t(c) << 32;  // disjoint id ranges per client
          std::string body;
          while (!stop) {
            body = "{\"batch\":{\"ids\":[";
            for (size_t i = 0; i < per_request; ++i) {
              if (i) body.push_back(',');
              body.append(std::to_string(next_id + i));  // not `"," + s`: GCC 12's spurious -Wrestrict
            }
            body += "],\"vectors\":[";
            for (size_t i = 0; i < per_request; ++i) {
              if (i) body.push_back(',');
              AppendFloats(&body, pool.data() + ((next_id + i) % 4096) * kDim, kDim);
            }
            body += "]}}";
            next_id += per_request;
            const auto a = Clock::now();
            auto r = client.Put("/collections/" + collection + "/points?wait=true", body);
            latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
            if (r.status != 200) ++failures;
          }
        });
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
      stop = true;
      for (auto& t : threads) t.join();
      // The statistics are computed after the acknowledgement: a report waits
      // for the backlog, so the clock stops when they have seen every point.
      if (run.drift && admin.Get("/collections/" + collection + "/drift").status != 200) ++failures;
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      std::vector<double> all;
      for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
      std::sort(all.begin(), all.end());
      auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, size_t(p * all.size()))]; };
      std::printf("%8s %5s %8d | %10.0f %12.0f | %8.2f %8.2f%s\n", policy, run.drift ? "on" : "off", clients, all.size() / elapsed,
                  all.size() * per_request / elapsed, pct(0.5), pct(0.99),
                  failures ? "  (some requests failed)" : "");
      admin.Request("DELETE", "/collections/" + collection);
    }
  }
  return 0;
}
