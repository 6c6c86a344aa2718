// Crash recovery of the real binary: concurrent clients upsert and delete with
// wait=true while the server is killed with SIGKILL at random moments (during
// uploads, segment builds, swaps, manifest writes, op-log trims: the indexing
// threshold is tiny so the optimizer is always busy). After every restart each
// acknowledged write must be there, exact; a write in flight at the kill may be
// there or not, but nothing else.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <atomic>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "support/json_body.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant {

using testing::HttpClient;
using testing::ServerProcess;
using testing::TempDir;

namespace {

constexpr size_t kDim = 8;
constexpr int kWriters = 4;
constexpr int kRounds = 20;
constexpr size_t kBatch = 16;

// A point's state: absent, or present at `version` (which fixes its vector and
// payload).
struct State {
  bool present = false;
  uint32_t version = 0;
  bool operator==(const State&) const = default;
};

std::vector<float> VectorOf(uint64_t id, uint32_t version) {
  std::vector<float> v(kDim);
  uint64_t x = id * 0x9E3779B97F4A7C15ull + version * 0xBF58476D1CE4E5B9ull + 1;
  for (size_t j = 0; j < kDim; ++j) {
    x ^= x >> 31;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 29;
    v[j] = static_cast<float>(static_cast<int64_t>(x % 20001) - 10000) / 1000.0f;
  }
  return v;
}

// What one client knows: the last acknowledged state of each of its ids, and
// the state its one in-flight request would have given them.
struct Writer {
  int index = 0;
  std::map<uint64_t, State> acked;
  std::map<uint64_t, State> maybe;  // from a request cut off by the kill
  uint32_t next_version = 1;
  uint64_t next_id = 0;
  size_t acked_requests = 0;

  uint64_t FirstId() const { return uint64_t(index) * 1'000'000'000ull; }

  void Run(uint16_t port, std::atomic<bool>* stop, uint32_t seed) {
    std::mt19937 rng(seed);
    HttpClient http(port);
    while (!*stop) {
      std::map<uint64_t, State> in_flight;
      std::string target, body;
      const int kind = static_cast<int>(rng() % 10);
      if (kind == 0 && !acked.empty()) {
        // Delete a few ids this client knows.
        body = "{\"points\":[";
        for (int i = 0; i < 4; ++i) {
          auto it = acked.lower_bound(FirstId() + rng() % (next_id + 1));
          if (it == acked.end()) it = acked.begin();
          if (in_flight.count(it->first)) continue;
          body += (in_flight.empty() ? "" : ",") + std::to_string(it->first);
          in_flight[it->first] = State{false, 0};
        }
        body += "]}";
        target = "/collections/crash/points/delete?wait=true";
      } else {
        // New ids, with some updates of known ones mixed in.
        body = "{\"points\":[";
        for (size_t i = 0; i < kBatch; ++i) {
          uint64_t id;
          if (kind < 3 && !acked.empty()) {
            auto it = acked.lower_bound(FirstId() + rng() % (next_id + 1));
            id = it == acked.end() ? acked.begin()->first : it->first;
          } else {
            id = FirstId() + next_id++;
          }
          if (in_flight.count(id)) continue;
          const uint32_t version = next_version++;
          in_flight[id] = State{true, version};
          if (body.size() > 12) body.push_back(',');
          body += "{\"id\":" + std::to_string(id) + ",\"vector\":";
          const auto v = VectorOf(id, version);
          testing::AppendFloats(&body, v.data(), kDim);
          body += ",\"payload\":{\"version\":" + std::to_string(version) + "}}";
        }
        body += "]}";
        target = "/collections/crash/points?wait=true";
      }
      try {
        const auto r = kind == 0 ? http.Post(target, body) : http.Put(target, body);
        if (r.status != 200) {  // a refusal (e.g. shutting down) is not an ack
          maybe.insert(in_flight.begin(), in_flight.end());
          return;
        }
        for (const auto& [id, state] : in_flight) acked[id] = state;
        ++acked_requests;
      } catch (const std::exception&) {
        // Cut off by the kill: it may or may not have landed.
        for (const auto& [id, state] : in_flight) maybe[id] = state;
        return;
      }
    }
  }
};

// Every point on the server: id -> state, checking vector and payload agree
// with the version.
std::map<uint64_t, State> ReadAll(HttpClient& http, size_t* bad) {
  std::map<uint64_t, State> all;
  std::string offset = "null";
  simdjson::dom::parser parser;
  while (true) {
    auto r = http.Post("/collections/crash/points/scroll",
                       "{\"limit\":5000,\"with_payload\":true,\"with_vector\":true,\"offset\":" + offset + "}");
    REQUIRE(r.status == 200);
    simdjson::dom::element doc = parser.parse(r.body);
    for (simdjson::dom::element p : doc["result"]["points"].get_array()) {
      const uint64_t id = p["id"].get_uint64();
      const uint32_t version = static_cast<uint32_t>(p["payload"]["version"].get_uint64());
      std::vector<float> v;
      for (simdjson::dom::element x : p["vector"].get_array()) v.push_back(static_cast<float>(x.get_double()));
      if (v != VectorOf(id, version)) ++*bad;
      all[id] = State{true, version};
    }
    simdjson::dom::element next = doc["result"]["next_page_offset"];
    if (next.is_null()) break;
    offset = std::to_string(next.get_uint64());
  }
  return all;
}

}  // namespace

TEST_CASE("kill -9 at random moments under concurrent wait=true writers loses no acknowledged write",
          "[e2e][crash][slow]") {
  TempDir data;
  ServerProcess server(data.path());
  {
    HttpClient http(server.port());
    // 8 dims = 32 bytes a vector: a segment seals every 320 points, so builds,
    // swaps, manifest writes and trims run all the time.
    REQUIRE(http.Put("/collections/crash",
                     R"({"vectors":{"size":8,"distance":"Euclid"},"hnsw_config":{"m":8,"ef_construct":32},)"
                     R"("optimizers_config":{"indexing_threshold":10}})")
                .status == 200);
  }
  std::vector<Writer> writers(kWriters);
  for (int w = 0; w < kWriters; ++w) writers[w].index = w + 1;
  std::mt19937 rng(20261121);
  size_t total_acked_requests = 0, kept_maybes = 0;

  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] { writers[w].Run(server.port(), &stop, 1000 * round + w); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    server.Stop(SIGKILL);
    stop = true;
    for (auto& t : threads) t.join();

    server.Start();
    HttpClient http(server.port());
    size_t bad_vectors = 0;
    const auto actual = ReadAll(http, &bad_vectors);
    CHECK(bad_vectors == 0);
    size_t lost = 0, phantom = 0, expected_present = 0;
    std::map<uint64_t, State> known;  // every id some writer knows of
    for (Writer& w : writers) {
      for (const auto& [id, state] : w.acked) known[id] = state;
      for (const auto& [id, state] : w.maybe) known.try_emplace(id, State{false, 0});
    }
    for (Writer& w : writers) {
      for (auto& [id, state] : w.acked) {
        auto it = actual.find(id);
        const State got = it == actual.end() ? State{} : it->second;
        auto m = w.maybe.find(id);
        if (got == state) continue;
        if (m != w.maybe.end() && got == m->second) {
          state = got;  // the cut-off write landed: now it is known and durable
          ++kept_maybes;
          continue;
        }
        ++lost;
      }
      for (const auto& [id, state] : w.maybe) {
        if (w.acked.count(id)) continue;
        auto it = actual.find(id);
        if (it == actual.end()) continue;
        if (it->second == state) {
          w.acked[id] = state;
          ++kept_maybes;
        } else {
          ++phantom;
        }
      }
      w.maybe.clear();
      total_acked_requests += w.acked_requests;
      w.acked_requests = 0;
      for (const auto& [id, state] : w.acked) expected_present += state.present;
    }
    for (const auto& [id, state] : actual) {
      if (!known.count(id)) ++phantom;  // a point nobody wrote
    }
    INFO("round " << round);
    CHECK(lost == 0);
    CHECK(phantom == 0);
    CHECK(actual.size() == expected_present);

    // Searches answer correctly: each probed point is its own nearest
    // neighbour (distance 0), exactly and through the indexes.
    std::vector<uint64_t> probes;
    for (const auto& [id, state] : actual) {
      if (probes.size() < 20 && rng() % 50 == 0) probes.push_back(id);
    }
    size_t found_exact = 0, found_indexed = 0;
    for (uint64_t id : probes) {
      std::string q;
      const auto v = VectorOf(id, actual.at(id).version);
      testing::AppendFloats(&q, v.data(), kDim);
      for (bool exact : {true, false}) {
        auto r = http.Post("/collections/crash/points/query",
                           "{\"query\":" + q + ",\"limit\":1,\"params\":{\"exact\":" + (exact ? "true" : "false") + "}}");
        REQUIRE(r.status == 200);
        const bool hit = r.body.find("\"id\":" + std::to_string(id) + ",") != std::string::npos;
        (exact ? found_exact : found_indexed) += hit;
      }
    }
    CHECK(found_exact == probes.size());
    CHECK(found_indexed + 1 >= probes.size());
  }
  CHECK(total_acked_requests > 0);
  WARN("acknowledged requests: " << total_acked_requests << ", cut-off writes that landed: " << kept_maybes);
}

}  // namespace sextant
